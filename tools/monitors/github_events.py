"""GitHub webhook events alertfix reacts to.

- `check_run` / `workflow_run` completed with a failure on the default branch → an Alert of
  source `ci` (with frames when the check's output carries a Python traceback);
- `pull_request` closed (merged or not), `deployment_status`, and `issue_comment` commands
  (`/alertfix retry|explain|stop`) → small records the server acts on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from tools.monitors.sentry import as_dict, fingerprint
from tools.monitors.traceback_parse import find_traceback
from tools.ports import Alert, AlertParseError

FAILED_CONCLUSIONS = frozenset({"failure", "timed_out"})
WRITE_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
Command = Literal["retry", "explain", "stop"]
_NAME = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_LOGIN = re.compile(r"[A-Za-z0-9-]+(\[bot\])?")
_COMMAND = re.compile(r"^\s*/alertfix\s+(retry|explain|stop)\b", re.MULTILINE)


@dataclass(frozen=True)
class PullRequestClosed:
    repository: str  # owner/name
    number: int
    branch: str
    merged: bool
    merge_sha: str | None
    by: str


@dataclass(frozen=True)
class DeploymentStatus:
    repository: str
    state: str  # success, failure, in_progress, ...
    sha: str
    environment: str


@dataclass(frozen=True)
class CommentCommand:
    repository: str
    number: int  # the pull request (issue) number
    command: Command
    by: str
    author_association: str


@dataclass(frozen=True)
class CIFailure:
    repository: str
    payload: dict[str, Any]


GitHubEvent = PullRequestClosed | DeploymentStatus | CommentCommand | CIFailure


def _obj(payload: dict[str, Any], *keys: str) -> dict[str, Any]:
    value: Any = payload
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, dict):
        raise AlertParseError(f"the GitHub event has no {'.'.join(keys)} object")
    return value


def _login(payload: dict[str, Any]) -> str:
    sender = payload.get("sender")
    return str(sender.get("login") or "") if isinstance(sender, dict) else ""


def _run(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for kind in ("check_run", "workflow_run"):
        if isinstance(payload.get(kind), dict):
            return kind, payload[kind]
    raise AlertParseError("not a CI event: expected check_run or workflow_run")


def _head_branch(kind: str, run: dict[str, Any]) -> str:
    if kind == "workflow_run":
        return str(run.get("head_branch") or "")
    suite = run.get("check_suite")
    return str(suite.get("head_branch") or "") if isinstance(suite, dict) else ""


def parse_event(name: str, payload: Any) -> GitHubEvent | None:
    """The event alertfix acts on, None for events it ignores (ping, other actions);
    AlertParseError when a handled event does not have the documented shape."""
    if not isinstance(payload, dict):
        raise AlertParseError("a GitHub event must be a JSON object")
    if name in ("ping", "installation", "installation_repositories"):
        return None
    if name not in ("pull_request", "deployment_status", "issue_comment", "check_run",
                    "workflow_run"):
        return None
    repository = str(_obj(payload, "repository").get("full_name") or "")
    action = payload.get("action")
    if name == "pull_request":
        pr = _obj(payload, "pull_request")
        if action != "closed":
            return None
        return PullRequestClosed(repository, int(pr.get("number") or payload.get("number") or 0),
                                 str(_obj(pr, "head").get("ref") or ""), bool(pr.get("merged")),
                                 pr.get("merge_commit_sha"), _login(payload))
    if name == "deployment_status":
        status, deployment = _obj(payload, "deployment_status"), _obj(payload, "deployment")
        return DeploymentStatus(repository, str(status.get("state") or ""),
                                str(deployment.get("sha") or ""),
                                str(status.get("environment") or deployment.get("environment")
                                    or ""))
    if name == "issue_comment":
        issue, comment = _obj(payload, "issue"), _obj(payload, "comment")
        match = _COMMAND.search(str(comment.get("body") or ""))
        if action != "created" or match is None or "pull_request" not in issue:
            return None
        command: Command = match.group(1)  # type: ignore[assignment]
        user = as_dict(comment.get("user"))
        return CommentCommand(repository, int(issue.get("number") or 0), command,
                              str(user.get("login") or _login(payload)),
                              str(comment.get("author_association") or "NONE"))
    kind, run = _run(payload)
    default = str(_obj(payload, "repository").get("default_branch") or "")
    if (action == "completed" and run.get("conclusion") in FAILED_CONCLUSIONS
            and _head_branch(kind, run) == default):
        return CIFailure(repository, payload)
    return None


def _when(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)


def parse_ci_alert(payload: Any) -> Alert:
    """A failed check run or workflow run on the default branch → an Alert of source `ci`.

    Without a traceback in the check's output, the fault is "this check fails": the
    fingerprint is the check's name, so every failing run of it joins one incident.
    """
    if not isinstance(payload, dict):
        raise AlertParseError("a GitHub event must be a JSON object")
    kind, run = _run(payload)
    repository = as_dict(payload.get("repository"))
    name = str(run.get("name") or kind)
    branch = _head_branch(kind, run)
    output = as_dict(run.get("output"))
    parsed = find_traceback([str(output.get(k) or "") for k in ("text", "summary")])
    summary = str(output.get("title") or output.get("summary") or run.get("conclusion") or "")
    exc_type, message, frames = (
        (parsed.exception_type, parsed.exception_message, parsed.frames) if parsed
        else ("CIFailure", f"{name} failed on {branch}: {summary}"[:500], []))
    return Alert(
        source="ci",
        service=str(repository.get("full_name") or ""),
        environment="ci",
        release=str(run.get("head_sha") or ""),
        title=f"{name} failed on {branch}",
        exception_type=exc_type,
        exception_message=message,
        frames=frames,
        fingerprint=fingerprint(exc_type, frames, message if parsed else f"ci {name}"),
        occurred_at=_when(run.get("completed_at") or run.get("updated_at")),
        links={"run": str(run["html_url"])} if run.get("html_url") else {},
        raw=payload,
    )


class CollaboratorPermissions:
    """May `login` command alertfix on `repository`? Asks GitHub
    (`GET /repos/{repo}/collaborators/{login}/permission`); write, maintain and admin may.
    Answers are cached for `ttl_s`; an API failure means no."""

    WRITE = frozenset({"admin", "maintain", "write"})

    def __init__(self, api_base_url: str, token: Callable[[], str], ttl_s: float = 300.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=api_base_url.rstrip("/"), timeout=10.0,
                                  transport=transport,
                                  headers={"Accept": "application/vnd.github+json"})
        self._token = token
        self._ttl_s = ttl_s
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}

    def __call__(self, repository: str, login: str, association: str = "") -> bool:
        if not _NAME.fullmatch(repository) or not _LOGIN.fullmatch(login):
            return False
        cached = self._cache.get((repository, login))
        if cached and time.monotonic() - cached[0] < self._ttl_s:
            return cached[1]
        try:
            response = self._http.get(
                f"/repos/{repository}/collaborators/{login}/permission",
                headers={"Authorization": f"Bearer {self._token()}"})
            allowed = response.status_code == 200 and \
                response.json().get("permission") in self.WRITE
        except (httpx.HTTPError, ValueError, AttributeError):
            return False  # not cached: the next command asks again
        self._cache[(repository, login)] = (time.monotonic(), allowed)
        return allowed
