"""The Jira tracker: tickets in one project, found again by the incident's fingerprint.

The fingerprint travels as a label (`alertfix-fp-<fingerprint>`), so `find` is one JQL query
and works on Cloud (email + API token) and Data Center (personal access token) alike. Status
changes go through the team's own workflow: `transitions` maps each `TicketStatus` to the name
of a transition, or of the status it leads to (workflows name them differently). `close` sets a
resolution when the Done transition's screen has one.

The `jira` client's own retries are switched off (it sleeps up to a minute with no bound we
control); `_call` retries rate limits (Retry-After honoured, capped), 5xx and connection errors
with backoff, then raises `TrackerUnavailable` so the agent can escalate without losing the
incident. Every other failure is one `TrackerError` subclass with a message saying what to fix.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError

from tools.ports import Attachment, Ticket, TicketDraft, TicketStatus

T = TypeVar("T")


class TrackerError(Exception):
    """The tracker refused or failed an operation; the message says what and how to fix it."""


class TrackerAuthError(TrackerError):
    """Credentials rejected (401, or a CAPTCHA lock-out)."""


class TrackerPermissionError(TrackerError):
    """The account lacks a project permission; the message names it."""


class TrackerNotFound(TrackerError):
    """The project or ticket does not exist, or the account cannot see it."""


class TrackerRejected(TrackerError):
    """The tracker refused the request as invalid (a field, a priority, an issue type, ...)."""


class TrackerWorkflowError(TrackerRejected, ValueError):
    """No transition leads to the requested status from the ticket's current status.

    A ValueError too, like the local tracker's InvalidTransition.
    """


class TrackerUnavailable(TrackerError):
    """Rate limited or unreachable after bounded retries: escalate, keep the incident."""


DEFAULT_PRIORITIES: dict[str, str] = {
    "fatal": "Highest", "critical": "Highest", "error": "High", "warning": "Medium",
    "info": "Low", "debug": "Lowest",
}
# TicketStatus -> the transition's name or its target status's name, matched case-insensitively.
DEFAULT_TRANSITIONS: dict[TicketStatus, str] = {
    TicketStatus.IN_PROGRESS: "In Progress",
    TicketStatus.IN_REVIEW: "In Review",
    TicketStatus.DONE: "Done",
    TicketStatus.REOPENED: "Reopened",
}
# Jira status name (lower case) -> TicketStatus; unknown names fall back to the status category.
DEFAULT_STATUSES: dict[str, TicketStatus] = {
    "open": TicketStatus.OPEN, "to do": TicketStatus.OPEN, "backlog": TicketStatus.OPEN,
    "in progress": TicketStatus.IN_PROGRESS,
    "in review": TicketStatus.IN_REVIEW, "code review": TicketStatus.IN_REVIEW,
    "review": TicketStatus.IN_REVIEW,
    "done": TicketStatus.DONE, "closed": TicketStatus.DONE, "resolved": TicketStatus.DONE,
    "reopened": TicketStatus.REOPENED,
}
_CATEGORY = {"new": TicketStatus.OPEN, "indeterminate": TicketStatus.IN_PROGRESS,
             "done": TicketStatus.DONE}
# The project permission each operation needs, for messages that say what to grant.
_NEEDS = {
    "create": ("Create Issues", "CREATE_ISSUES"),
    "find": ("Browse Projects", "BROWSE_PROJECTS"),
    "comment": ("Add Comments", "ADD_COMMENTS"),
    "transition": ("Transition Issues", "TRANSITION_ISSUES"),
    "close": ("Resolve Issues", "RESOLVE_ISSUES"),
}
FINGERPRINT_LABEL = "alertfix-fp-"


def fingerprint_label(fingerprint: str) -> str:
    """A Jira label (no spaces, at most 255 characters) that identifies the fingerprint."""
    clean = re.sub(r"[^A-Za-z0-9_.:-]", "-", fingerprint)
    if clean != fingerprint or len(clean) > 200:
        clean = hashlib.sha256(fingerprint.encode()).hexdigest()[:40]
    return FINGERPRINT_LABEL + clean


def _label(text: str) -> str:
    return re.sub(r"\s+", "-", text.strip())[:255]


@dataclass
class RetryPolicy:
    """Bounded retries: `attempts` tries in all, never waiting more than `max_wait` at once."""

    attempts: int = 4
    backoff: float = 0.5
    max_wait: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int) -> float:
        return min(self.backoff * 2**attempt, self.max_wait)


class JiraTracker:
    """The `Tracker` Protocol on one Jira project."""

    def __init__(
        self,
        *,
        url: str,
        project: str,
        issue_type: str = "Bug",
        email: str | None = None,
        api_token: str | None = None,
        personal_access_token: str | None = None,
        transitions: Mapping[str, str] | None = None,
        statuses: Mapping[str, str] | None = None,
        priorities: Mapping[str, str] | None = None,
        resolution: str | None = "Fixed",
        labels: tuple[str, ...] = ("alertfix",),
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        """Cloud: `email` + `api_token`. Data Center: `personal_access_token`.

        `transitions` maps a TicketStatus value ("In Progress", "In Review", "Done",
        "Reopened") to the transition (or target status) name in the team's workflow;
        `statuses` maps extra Jira status names to TicketStatus values.
        """
        if personal_access_token is None and (email is None or api_token is None):
            raise ValueError("JiraTracker needs email and api_token (Cloud) or "
                             "personal_access_token (Data Center)")
        self.url = url.rstrip("/")
        self.project = project
        self.issue_type = issue_type
        self._basic = (email, api_token) if personal_access_token is None else None
        self._pat = personal_access_token
        self.transitions = {**DEFAULT_TRANSITIONS,
                            **{TicketStatus(k): v for k, v in (transitions or {}).items()}}
        self.statuses = {**DEFAULT_STATUSES,
                         **{k.lower(): TicketStatus(v) for k, v in (statuses or {}).items()}}
        self.priorities = {**DEFAULT_PRIORITIES, **(priorities or {})}
        self.resolution = resolution
        self.labels = labels
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._jira: JIRA | None = None

    # ------------------------------------------------------------ plumbing

    def client(self) -> JIRA:
        """The `jira` client, connected on first use (its constructor reads serverInfo)."""
        if self._jira is None:
            self._jira = self.call(self._connect, "connect to Jira", "find")
        return self._jira

    def _connect(self) -> JIRA:
        auth: dict[str, Any] = ({"token_auth": self._pat} if self._pat is not None
                                else {"basic_auth": self._basic})
        return JIRA(server=self.url, max_retries=0, timeout=self.timeout,
                    options={"check_update": False}, **auth)

    def call(self, fn: Callable[[], T], what: str, op: str) -> T:
        """Run one `jira` operation with bounded retries; `op` names the permission it needs."""
        policy = self.retry
        for attempt in range(policy.attempts):
            last = attempt == policy.attempts - 1
            try:
                return fn()
            except JIRAError as exc:
                status = exc.status_code or 0
                if status in (429, 503):
                    wait = _retry_after(exc)
                    if wait > policy.max_wait or last:
                        raise TrackerUnavailable(
                            f"Jira is rate limiting or unavailable ({status}) while trying to "
                            f"{what}: asked to wait {wait:.0f}s (limit {policy.max_wait:.0f}s). "
                            "Try again later."
                        ) from None
                    policy.sleep(wait)
                    continue
                if status >= 500 and not last:
                    policy.sleep(policy.delay(attempt))
                    continue
                if status >= 500:
                    raise TrackerUnavailable(
                        f"Jira kept failing to {what} ({status}) after {policy.attempts} tries."
                    ) from None
                raise self._translate(exc, what, op) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise TrackerUnavailable(
                        f"Could not reach Jira at {self.url} to {what} after "
                        f"{policy.attempts} tries ({type(exc).__name__})."
                    ) from None
                policy.sleep(policy.delay(attempt))
        raise AssertionError("unreachable")

    def _translate(self, exc: JIRAError, what: str, op: str) -> TrackerError:
        status = exc.status_code or 0
        text = _error_text(exc)
        headers = exc.response.headers if exc.response is not None else {}
        denied = headers.get("X-Authentication-Denied-Reason", "")
        if status == 401 or "CAPTCHA" in denied:
            extra = (" Jira requires a CAPTCHA: log in once in a browser as this user."
                     if "CAPTCHA" in denied else "")
            how = ("the personal access token (Profile → Personal Access Tokens)"
                   if self._pat is not None else
                   "the email and API token (id.atlassian.com → Security → API tokens)")
            return TrackerAuthError(
                f"Jira rejected the credentials while trying to {what} ({status}). "
                f"Check {how}.{extra}")
        if status == 403 or (status == 400 and "permission" in text.lower()):
            name, key = _NEEDS[op]
            return TrackerPermissionError(
                f"The Jira account lacks the project permission '{name}' ({key}) in "
                f"{self.project}, needed to {what}: {text}. Grant it in the project's "
                "permission scheme (Project settings → Permissions)."
            )
        if status == 404:
            return TrackerNotFound(
                f"Could not {what}: not found in Jira ({text}). Check the project key "
                f"{self.project!r} and that the account can browse it.")
        if status == 400:
            return TrackerRejected(f"Jira refused to {what}: {text}")
        return TrackerError(f"Jira failed to {what} ({status}): {text}")

    # ------------------------------------------------------------ mapping

    def _status(self, raw_status: Any) -> TicketStatus:
        name = str(getattr(raw_status, "name", "")).lower()
        if name in self.statuses:
            return self.statuses[name]
        category = getattr(getattr(raw_status, "statusCategory", None), "key", "")
        return _CATEGORY.get(str(category), TicketStatus.OPEN)

    def _ticket(self, issue: Any, fingerprint: str) -> Ticket:
        return Ticket(
            key=issue.key, title=issue.fields.summary,
            status=self._status(issue.fields.status), fingerprint=fingerprint,
            labels=list(issue.fields.labels or []), url=f"{self.url}/browse/{issue.key}",
        )

    def _fingerprint_of(self, issue: Any) -> str:
        label = next((lb for lb in issue.fields.labels or [] if lb.startswith(FINGERPRINT_LABEL)),
                     "")
        return label.removeprefix(FINGERPRINT_LABEL)

    def _get(self, key: str, what: str, op: str) -> Any:
        return self.call(lambda: self.client().issue(key, fields="summary,status,labels"),
                          what, op)

    # ------------------------------------------------------------ Tracker

    def create(self, draft: TicketDraft) -> Ticket:
        """Open a ticket, unless one for this fingerprint is still open (then return it)."""
        existing = self.find(draft.fingerprint)
        if existing is not None and existing.status != TicketStatus.DONE:
            return existing
        labels = list(dict.fromkeys([
            *self.labels, fingerprint_label(draft.fingerprint), *map(_label, draft.labels)]))
        fields = {
            "project": {"key": self.project},
            "issuetype": {"name": self.issue_type},
            "summary": " ".join(draft.title.split())[:250],
            "description": draft.body,
            "labels": labels,
            "priority": {"name": self.priorities.get(draft.severity.lower(), "Medium")},
        }
        issue = self.call(lambda: self.client().create_issue(fields=fields),
                           f"create a ticket in {self.project}", "create")
        return self._ticket(issue, draft.fingerprint)

    def find(self, fingerprint: str) -> Ticket | None:
        label = fingerprint_label(fingerprint).replace('"', '\\"')
        jql = (f'project = "{self.project}" AND labels = "{label}" '
               "ORDER BY created DESC")
        found = self.call(
            lambda: self.client().search_issues(jql, maxResults=1,
                                                fields="summary,status,labels"),
            f"search {self.project} for fingerprint {fingerprint}", "find")
        issues = list(found)
        return self._ticket(issues[0], fingerprint) if issues else None

    def comment(self, key: str, body: str) -> None:
        self.call(lambda: self.client().add_comment(key, body), f"comment on {key}", "comment")

    def attach(self, key: str, attachment: Attachment) -> str:
        """`add_attachment` (`POST …/issue/KEY/attachments`), once per filename; Jira's wiki
        markup embeds an attached image by name."""
        what = f"attach {attachment.filename} to {key}"
        issue = self.call(lambda: self.client().issue(key, fields="attachment"), what, "attach")
        names = {a.filename for a in getattr(issue.fields, "attachment", None) or []}
        if attachment.filename not in names:
            self.call(lambda: self.client().add_attachment(
                key, io.BytesIO(attachment.content), attachment.filename), what, "attach")
        return f"!{attachment.filename}!"

    def transition(self, key: str, status: TicketStatus) -> Ticket:
        return self._move(key, status, "transition")

    def close(self, key: str, summary: str) -> Ticket:
        if summary:
            self.comment(key, summary)
        return self._move(key, TicketStatus.DONE, "close")

    def _move(self, key: str, status: TicketStatus, op: str) -> Ticket:
        what = f"move {key} to {status.value}"
        issue = self._get(key, what, op)
        fingerprint = self._fingerprint_of(issue)
        if self._status(issue.fields.status) == status:
            return self._ticket(issue, fingerprint)  # already there: a re-run is a no-op
        wanted = self.transitions.get(status, status.value).lower()
        available: list[dict[str, Any]] = self.call(
            lambda: self.client().transitions(key, expand="transitions.fields"), what, op)
        chosen = next((t for t in available if t["name"].lower() == wanted), None) or next(
            (t for t in available if t.get("to", {}).get("name", "").lower() == wanted), None)
        if chosen is None:
            names = ", ".join(f"{t['name']!r} → {t.get('to', {}).get('name')!r}"
                              for t in available) or "none"
            hint = ("" if available else
                    " (an empty list can also mean the account lacks 'Transition Issues')")
            raise TrackerWorkflowError(
                f"Jira has no transition named or leading to {wanted!r} for {key} (now "
                f"{issue.fields.status.name!r}); available: {names}{hint}. Map "
                f"{status.value!r} to one of them in the tracker's transitions setting."
            )
        fields: dict[str, Any] | None = None
        if status == TicketStatus.DONE and self.resolution and "resolution" in (
                chosen.get("fields") or {}):
            fields = {"resolution": {"name": self.resolution}}
        self.call(lambda: self.client().transition_issue(key, chosen["id"], fields=fields),
                   what, op)
        return self._ticket(self._get(key, what, op), fingerprint)


def _retry_after(exc: JIRAError) -> float:
    headers = exc.response.headers if exc.response is not None else {}
    value = headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else 5.0
    except ValueError:
        return 60.0


def _error_text(exc: JIRAError) -> str:
    """Jira's own words (errorMessages and field errors), never headers or the request."""
    response = exc.response
    if response is not None:
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict):
            parts = [*data.get("errorMessages", []),
                     *(f"{k}: {v}" for k, v in (data.get("errors") or {}).items())]
            if parts:
                return "; ".join(str(p) for p in parts)
    return str(exc.text or "no details")[:300]
