"""Protocols and value types shared by the adapters.

Everything an outside system hands to alertfix, or receives from it, is one of these models.
They are plain pydantic data so that they can travel in the LangGraph state and be checkpointed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- errors

Port = Literal["tracker", "forge", "monitor", "model"]


class ServiceError(Exception):
    """An outside service (tracker, forge, monitor or model) failed an operation.

    Adapters raise exactly one of the three kinds below; the agent decides what to do from the
    kind alone, never from the adapter's module. The message says what failed and how to fix it,
    and never holds a secret.
    """

    port: Port = "forge"

    def __init__(self, message: str, *, port: Port | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        if port is not None:
            self.port = port
        self.retry_after = retry_after  # seconds the service asked us to wait, if it said


class Unavailable(ServiceError):
    """Down, rate limited or timing out after the adapter's own retries: the incident waits
    and is retried later (honouring `retry_after`); nothing is dropped."""


class Refused(ServiceError):
    """The service said no (credentials, permission, an invalid request): retrying the same
    request cannot help, so the incident escalates with this reason on the ticket."""


class NotFound(ServiceError):
    """The thing asked for does not exist, or the credentials cannot see it."""


class ModelError(ServiceError):
    """A language model (tools/llm) failed a call; raised as one of the kinds below."""

    port: Port = "model"


class ModelUnavailable(ModelError, Unavailable):
    """The model server is down, rate limited or timing out after the adapter's retries."""


class ModelRefused(ModelError, Refused):
    """Bad credentials, no permission, or a request the model server rejects."""


class ModelNotFound(ModelError, NotFound):
    """No such model (or, for replay, no recorded answer for this request)."""


# ---------------------------------------------------------------- alerts

AlertSource = Literal["sentry", "pagerduty", "ci"]


class Frame(BaseModel):
    """One stack frame, oldest first in a stack; the crashing frame is the last."""

    filename: str = ""  # as reported by the source (may be a deploy path or module path)
    abs_path: str = ""
    module: str = ""
    function: str = ""
    lineno: int | None = None
    context_line: str | None = None
    in_app: bool = True
    vars: dict[str, Any] = Field(default_factory=dict)
    repo_path: str | None = None  # repository-relative path, once mapped


class Alert(BaseModel):
    """Every alert source lands as one of these."""

    source: AlertSource
    service: str = ""
    environment: str = ""
    release: str = ""
    severity: str = "error"  # fatal | critical | error | warning | info, as the source says
    title: str = ""
    exception_type: str = ""
    exception_message: str = ""
    frames: list[Frame] = Field(default_factory=list)  # oldest first, crash last
    fingerprint: str
    occurred_at: datetime = Field(default_factory=utcnow)
    # The fault's first sighting as the monitor knows it (a Sentry issue's firstSeen, a
    # PagerDuty incident's created_at); None when only this event's time is known.
    first_seen: datetime | None = None
    links: dict[str, str] = Field(default_factory=dict)
    raw: dict[str, Any] = Field(default_factory=dict)  # the payload as received, for the audit

    @property
    def in_app_frames(self) -> list[Frame]:
        return [f for f in self.frames if f.in_app]

    @property
    def crash_frame(self) -> Frame | None:
        """The innermost in-app frame: where the agent looks first."""
        frames = self.in_app_frames
        return frames[-1] if frames else None


class AlertParseError(ValueError):
    """The payload is not an alert alertfix understands; the message says why."""


# ---------------------------------------------------------------- tracker

class TicketStatus(StrEnum):
    OPEN = "Open"
    IN_PROGRESS = "In Progress"
    IN_REVIEW = "In Review"
    DONE = "Done"
    REOPENED = "Reopened"


class TicketDraft(BaseModel):
    title: str
    body: str
    fingerprint: str
    labels: list[str] = Field(default_factory=list)
    severity: str = "error"


class Ticket(BaseModel):
    key: str
    title: str
    status: TicketStatus
    fingerprint: str
    labels: list[str] = Field(default_factory=list)
    url: str = ""


class Attachment(BaseModel):
    """A file for a ticket (a verification chart). `markdown` is how the file is shown by a
    tracker that cannot hold files; `alt` describes it in words."""

    filename: str
    content: bytes
    content_type: str
    alt: str
    markdown: str = ""


class Tracker(Protocol):
    def create(self, draft: TicketDraft) -> Ticket: ...

    def attach(self, key: str, attachment: Attachment) -> str:
        """Attach a file to the ticket (idempotent per filename); the markup that shows it
        in a comment."""
        ...

    def find(self, fingerprint: str) -> Ticket | None:
        """The newest ticket carrying this fingerprint, whatever its status."""
        ...

    def comment(self, key: str, body: str) -> None: ...

    def transition(self, key: str, status: TicketStatus) -> Ticket: ...

    def close(self, key: str, summary: str) -> Ticket: ...


# ---------------------------------------------------------------- forge

PullRequestStatus = Literal["open", "merged", "closed"]


class PullRequestDraft(BaseModel):
    branch: str
    base: str
    title: str
    body: str
    labels: list[str] = Field(default_factory=list)
    draft: bool = False


class PullRequestInfo(BaseModel):
    number: int
    branch: str
    base: str
    title: str
    status: PullRequestStatus
    url: str = ""
    head_sha: str = ""
    merge_commit: str | None = None
    draft: bool = False


class Forge(Protocol):
    """Where branches are pushed and pull requests opened. Never merges."""

    default_branch: str

    def clone_url(self) -> str:
        """A URL git can clone and fetch from, without credentials in it."""
        ...

    def sync(self, dest: Path) -> None:
        """Clone the repository into `dest`, or fetch branches and tags into the clone there."""
        ...

    def push_branch(self, workdir: Path, branch: str) -> None:
        """Push `branch` from the clone at `workdir`; refuses the default branch."""
        ...

    def open_pull_request(self, draft: PullRequestDraft) -> PullRequestInfo:
        """Open a PR, or return (and update) the open one already on that branch."""
        ...

    def find_pull_request(self, branch: str) -> PullRequestInfo | None: ...

    def get_pull_request(self, number: int) -> PullRequestInfo: ...

    def open_pull_requests(self) -> list[PullRequestInfo]:
        """alertfix's open pull requests in the repository (for the per-repository cap)."""
        ...

    def comment(self, number: int, body: str) -> None: ...


# ---------------------------------------------------------------- deploys and events

class Deploy(BaseModel):
    name: str  # deploy-3, a deployment id, a release version
    sha: str
    environment: str = "production"
    deployed_at: datetime


@runtime_checkable
class DeployHistory(Protocol):
    def deploys(self, environment: str | None = None) -> list[Deploy]:
        """All deploys, oldest first."""
        ...


class Occurrences(BaseModel):
    """What one monitor saw of one fault between `start` and `end`.

    `times` are the sightings (an event, a re-triggered incident, a failed check run), newest
    first. When the monitor had more than it would page through, `complete` is False and
    `count` is at least `len(times)`: a rate is then `len(times)` over the span they cover
    (`span_start`). `checks` counts observations that showed the fault absent (a successful
    check run), for monitors without a rate.
    """

    monitor: str  # "sentry", "pagerduty", "embedded", "github checks", ...
    start: datetime
    end: datetime
    times: list[datetime] = Field(default_factory=list)
    count: int = 0
    complete: bool = True
    checks: int = 0
    links: list[str] = Field(default_factory=list)  # the monitor's pages for these sightings
    note: str = ""  # what the monitor tied the fault to ("Sentry issue 42, release 1.4.2")

    @property
    def span_start(self) -> datetime:
        """Where the counted span begins: `start`, or the oldest sighting kept when capped."""
        if not self.complete and self.times:
            return min(self.times)
        return self.start


class EventSource(Protocol):
    """Where the agent asks whether a fault is still happening (rca, verify)."""

    name: str

    def count_events(self, fingerprint: str, since: datetime) -> int:
        """Events with this fingerprint alertfix itself received since `since`."""
        ...

    def occurrences(self, alert: Alert, start: datetime, end: datetime,
                    deploy: Deploy | None = None) -> Occurrences:
        """The fault's sightings in [start, end) as the monitor that raised `alert` knows
        them; `deploy` (when given) ties the fault to the monitor's release. Raises
        Unavailable (port "monitor") when the monitor cannot answer now."""
        ...

    def resolve(self, alert: Alert, deploy: Deploy, note: str) -> str:
        """Mark the fault fixed in the monitor (idempotent); says what was done, or "" when
        this monitor has nothing to resolve."""
        ...


# ---------------------------------------------------------------- sandbox

TestOutcome = Literal["passed", "failed", "error", "skipped"]


class TestCaseResult(BaseModel):
    __test__ = False  # not a pytest class
    nodeid: str
    outcome: TestOutcome
    seconds: float = 0.0
    message: str = ""


class TestRun(BaseModel):
    """The result of one sandboxed test command."""

    __test__ = False
    command: list[str]
    exit_code: int | None  # None when it was killed
    timed_out: bool = False
    seconds: float = 0.0
    output: str = ""  # captured stdout+stderr, capped
    tests: list[TestCaseResult] = Field(default_factory=list)
    isolation: str = ""  # what walls the run had, e.g. "netns+rlimits" or "none"

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def outcome_of(self, nodeid_suffix: str) -> TestOutcome | None:
        for test in self.tests:
            if test.nodeid.endswith(nodeid_suffix):
                return test.outcome
        return None


class Sandbox(Protocol):
    def run(self, workdir: Path, command: list[str], timeout_s: float) -> TestRun: ...
