"""The `Tracker` Protocol on GitHub Issues, for teams without Jira.

A ticket is an issue labelled `alertfix` and `fp:<fingerprint>`; `find` lists issues by that
label (the list endpoint is consistent at once, unlike search). GitHub has two states, so the
workflow lives in labels: `status:in-progress`, `status:in-review`, `status:reopened`; Done is
a closed issue (state_reason "completed"). It shares the App (and its token) with the forge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from github.Issue import Issue
from github.Repository import Repository

from tools.github_auth import GITHUB_API, ErrorTypes, GitHubApp, RetryPolicy, call
from tools.ports import Attachment, Ticket, TicketDraft, TicketStatus
from tools.tracker.jira import (
    TrackerAuthError,
    TrackerError,
    TrackerNotFound,
    TrackerPermissionError,
    TrackerRejected,
    TrackerUnavailable,
)

T = TypeVar("T")

ERRORS = ErrorTypes(
    TrackerError, TrackerAuthError, TrackerPermissionError, TrackerNotFound, TrackerRejected,
    TrackerUnavailable,
)
STATUS_LABELS: dict[TicketStatus, str] = {
    TicketStatus.IN_PROGRESS: "status:in-progress",
    TicketStatus.IN_REVIEW: "status:in-review",
    TicketStatus.REOPENED: "status:reopened",
}
_BY_LABEL = {label: status for status, label in STATUS_LABELS.items()}


def fingerprint_label(fingerprint: str) -> str:
    """GitHub labels hold 50 characters and the list filter splits on commas."""
    if len(fingerprint) <= 47 and "," not in fingerprint and fingerprint.strip() == fingerprint:
        return f"fp:{fingerprint}"
    return "fp:" + hashlib.sha256(fingerprint.encode()).hexdigest()[:40]


class GitHubIssuesTracker:
    def __init__(
        self,
        *,
        repo: str,
        app: GitHubApp | None = None,
        app_id: int | str | None = None,
        private_key_pem: str | None = None,
        installation_id: int | None = None,
        base_url: str = GITHUB_API,
        labels: tuple[str, ...] = ("alertfix",),
        retry: RetryPolicy | None = None,
    ) -> None:
        if app is None:
            if app_id is None or private_key_pem is None or installation_id is None:
                raise ValueError("GitHubIssuesTracker needs app, or app_id, private_key_pem "
                                 "and installation_id")
            app = GitHubApp(app_id=app_id, private_key_pem=private_key_pem,
                            installation_id=installation_id, base_url=base_url, retry=retry)
        self.app = app
        self.full_name = repo
        self.labels = labels
        self.retry = retry or app.retry
        self._repo: Repository | None = None

    def _call(self, fn: Callable[[], T], what: str) -> T:
        self.app.installation_token(ERRORS)
        return call(fn, what, ERRORS, self.retry,
                    hint=f"Is the App installed on {self.full_name}, with Issues enabled?")

    @property
    def _gh_repo(self) -> Repository:
        if self._repo is None:
            self._repo = self.app.client(lazy=True).get_repo(self.full_name)
        return self._repo

    def _ticket(self, issue: Issue, fingerprint: str | None = None) -> Ticket:
        names = [lb.name for lb in issue.labels]
        if issue.state == "closed":
            status = TicketStatus.DONE
        else:
            status = next((_BY_LABEL[n] for n in names if n in _BY_LABEL), TicketStatus.OPEN)
        if fingerprint is None:
            fingerprint = next((n.removeprefix("fp:") for n in names if n.startswith("fp:")), "")
        return Ticket(key=str(issue.number), title=issue.title, status=status,
                      fingerprint=fingerprint, labels=names, url=issue.html_url)

    def _newest(self, fingerprint: str) -> Issue | None:
        issues = self._gh_repo.get_issues(state="all", labels=[fingerprint_label(fingerprint)],
                                          sort="created", direction="desc")
        # The issues list includes pull requests; a ticket is never one.
        return next((i for i in issues if i.pull_request is None), None)

    def find(self, fingerprint: str) -> Ticket | None:
        issue = self._call(lambda: self._newest(fingerprint),
                           f"look up the issue for fingerprint {fingerprint}")
        return self._ticket(issue, fingerprint) if issue else None

    def create(self, draft: TicketDraft) -> Ticket:
        """Open an issue, unless one for this fingerprint is still open (then return it)."""
        existing = self.find(draft.fingerprint)
        if existing is not None and existing.status != TicketStatus.DONE:
            return existing
        labels = list(dict.fromkeys([
            *self.labels, fingerprint_label(draft.fingerprint), f"severity:{draft.severity}",
            *(label[:50] for label in draft.labels),
        ]))
        issue = self._call(
            lambda: self._gh_repo.create_issue(title=draft.title[:256], body=draft.body,
                                               labels=labels),
            f"open an issue in {self.full_name}")
        return self._ticket(issue, draft.fingerprint)

    def attach(self, key: str, attachment: Attachment) -> str:
        """The REST API cannot upload a file to an issue, and a link into the repository
        would need a commit on it; GitHub draws the attachment's Mermaid form in place."""
        return attachment.markdown or f"_{attachment.alt}_"

    def comment(self, key: str, body: str) -> None:
        self._call(lambda: self._gh_repo.get_issue(int(key)).create_comment(body),
                   f"comment on issue #{key}")

    def transition(self, key: str, status: TicketStatus) -> Ticket:
        def move() -> Issue:
            issue = self._gh_repo.get_issue(int(key))
            if self._ticket(issue).status == status:
                return issue  # already there: a re-run is a no-op
            labels = [lb.name for lb in issue.labels if lb.name not in _BY_LABEL]
            if status in STATUS_LABELS:
                labels.append(STATUS_LABELS[status])
            if status == TicketStatus.DONE:
                issue.edit(state="closed", state_reason="completed", labels=labels)
            else:
                issue.edit(state="open", labels=labels)
            return issue

        return self._ticket(self._call(move, f"move issue #{key} to {status.value}"))

    def close(self, key: str, summary: str) -> Ticket:
        if summary:
            self.comment(key, summary)
        return self.transition(key, TicketStatus.DONE)
