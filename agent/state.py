"""IncidentState and the stage models: everything the graph knows about one incident.

State is data (serialisable, checkpointed); adapters travel in the Context instead.
"""

from __future__ import annotations

import operator
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from tools.ports import Alert, Deploy, Frame, PullRequestInfo, Ticket, utcnow


class RepoRef(BaseModel):
    """The service repository an incident belongs to."""

    name: str
    origin: str  # clone URL of the forge's copy
    default_branch: str = "main"
    path_prefixes: list[str] = Field(default_factory=list)
    # What the operator configured (settings, a case); None: the repository's
    # `.github/alertfix.yml`, else detected from the repository (the environment stage).
    test_command: list[str] | None = None
    python: str | None = None  # a version or an interpreter path
    setup: str | None = None  # a shell command that installs the project and its test deps


DEFAULT_TEST_COMMAND = ["python", "-m", "pytest", "-q"]


class Environment(BaseModel):
    """Where the repository's tests run: its own environment (tools/repo_env.py), recorded
    by the environment stage and used by every test run after it."""

    python: str  # the environment's interpreter
    python_version: str = ""
    path: str = ""  # the environment's directory (the cache entry)
    key: str = ""
    service: str = ""  # the subdirectory of a monorepo service; "" is the root
    test_command: list[str] = Field(default_factory=lambda: list(DEFAULT_TEST_COMMAND))
    test_kind: str = "pytest"  # pytest, unittest or custom
    test_command_from: str = ""  # why this command: configured, or what detection found
    pytest_args: list[str] = Field(default_factory=list)  # for the warm worker's pytest
    pythonpath: list[str] = Field(default_factory=list)  # "{workdir}" is the worktree
    sources: list[str] = Field(default_factory=list)  # what the dependencies came from
    reused: bool = False
    build_seconds: float = 0.0
    notes: list[str] = Field(default_factory=list)
    # How candidates were run: "warm worker", or "one test process per candidate: <why>".
    runner: str = ""


class Location(BaseModel):
    path: str  # repository-relative
    function: str  # qualified name
    line: int
    function_start: int
    function_end: int
    source_line: str = ""
    stale: bool = False  # the event's context line differs from this line at base_sha


RenameKind = Literal["key", "attribute", "definition", "setting", "import", "module", "name"]


class Rename(BaseModel):
    """A name the culprit's diff renamed: `old` removed, near-identical `new` added in its
    place (same hunk, same position in the line). Repair strategies complete the rename."""

    old: str
    new: str
    path: str  # where the culprit renamed it (a producer or a definition)
    kind: RenameKind = "name"
    quoted: bool = False  # a string literal's text (a key, a setting), not an identifier
    before: str = ""  # the removed line
    after: str = ""  # the line that replaced it


class Suspect(BaseModel):
    sha: str
    summary: str
    author: str
    date: str
    score: float
    evidence: list[str] = Field(default_factory=list)
    deploy: str | None = None  # the deploy that shipped it
    kinds: list[str] = Field(default_factory=list)  # evidence kinds: crash-line, named-value…
    url: str = ""  # the commit on the forge, when its web address is known
    pull_request: int | None = None  # the PR that brought it (merge or squash subject)
    pull_request_url: str = ""
    confirmed: bool | None = None  # a reproduction fails here and passes at the parent
    renames: list[Rename] = Field(default_factory=list)  # of the names in the error
    timing: str = ""  # the time evidence in words: when it shipped against the first sighting


class RootCause(BaseModel):
    base_sha: str  # the commit that was running when the alert fired
    location: Location | None = None
    frames: list[Frame] = Field(default_factory=list)  # the alert's frames, mapped to the repo
    suspects: list[Suspect] = Field(default_factory=list)
    running_deploy: Deploy | None = None
    explanation: str = ""
    confidence: float = 0.0
    warnings: list[str] = Field(default_factory=list)
    no_culprit_in_history: bool = False  # the fault predates the history alertfix can see
    window: list[str] = Field(default_factory=list)  # suspect window, oldest first
    window_start: str | None = None  # the last commit known without the fault (excluded)
    window_text: str = ""
    reproduction: list[str] = Field(default_factory=list)  # failing test ids (ci alerts)
    confirmed: bool | None = None  # None: not tried; False: tried, inconclusive
    confirmation: str = ""
    # What was raised, as the analysis saw it: the alert's, or (for a failing check, whose
    # alert names no exception) the reproduction's.
    exception_type: str = ""
    exception_message: str = ""
    first_seen: datetime | None = None  # the fault's first sighting, as RCA used it
    first_seen_from: str = ""  # where that time comes from (monitor first-seen, event time)
    first_seen_known: bool = False  # from the monitor or the event counts, not this event's time
    latent: bool = False  # nothing shipped before the first sighting touches the failing path


class RegressionTest(BaseModel):
    path: str
    source: str
    nodeid: str  # pytest node id
    description: str
    reproduces: bool | None = None  # did it fail at the base commit with the alert's error?
    asserts_type: str = ""  # the result type the test checks, when the event showed it
    # What the test checks of the result: the value the culprit's parent returned for the same
    # input ("differential value"), its type ("type only"), or only that nothing is raised.
    oracle_strength: Literal["differential value", "type only", "no-raise only"] = (
        "no-raise only")
    expected_from: str = ""  # the commit whose result is the expected value (differential)
    compared: list[str] = Field(default_factory=list)  # the parts of the result asserted


class Candidate(BaseModel):
    id: str
    strategy: str  # "template:key-get", "template:none-guard", ...
    description: str
    path: str
    new_source: str
    diff: str  # unified diff of every file the candidate changes
    lines_changed: int
    # Further files a candidate changes (a full revert): path -> new source. `path`/`new_source`
    # stay the main file; changed_files() is every file.
    extra_files: dict[str, str] = Field(default_factory=dict)
    # Extra files whose change repeats the main file's (the same rename's other stale uses):
    # one change made in several places, so not a larger change when candidates are ranked.
    repeated_in: list[str] = Field(default_factory=list)
    naturalness: float = 0.0  # how much the change looks like code already in the repository
    full_revert: bool = False  # the whole culprit commit reverted: a last resort, said in the PR
    # `fix` corrects the behaviour; `mitigation` only stops the error (a default, an early
    # return, an except): never presented as a fix. `masks` says what a mitigation hides.
    fix_class: Literal["fix", "mitigation"] = "fix"
    masks: str = ""

    def changed_files(self) -> dict[str, str]:
        return {self.path: self.new_source, **self.extra_files}


class Validation(BaseModel):
    candidate_id: str
    regression_passed: bool | None  # None when there was no reproducing test
    suite_passed: bool
    failed_tests: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    isolation: str = ""
    detail: str = ""  # why it was rejected, or how it passed
    stage: str = ""  # the last check it reached: reproduction, module, suite or confirm
    reproduction: list[str] = Field(default_factory=list)  # the tests that reproduce the failure

    @property
    def accepted(self) -> bool:
        return self.suite_passed and self.regression_passed is not False


class ModelUsage(BaseModel):
    """What the model path spent on an incident, and why it stopped (agent/repair/llm.py)."""

    provider: str
    model: str
    mode: str
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0  # in the price table's currency (USD by default)
    priced: bool = True  # False: the price table does not know the model; cost is 0
    seconds: float = 0.0  # waiting for answers
    stopped: str = ""  # why it stopped before its rounds were used: budget, error, success
    rejected: list[str] = Field(default_factory=list)  # answers refused before any test ran

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def line(self) -> str:
        """One line for a ticket, a PR or a log."""
        cost = f"cost {self.cost:.4f}" if self.priced else "cost unknown (no price for model)"
        text = (f"model {self.provider}:{self.model} ({self.mode}): {self.calls} call(s), "
                f"{self.tokens} tokens ({self.input_tokens} in, {self.output_tokens} out), "
                f"{cost}")
        return text + (f"; {self.stopped}" if self.stopped else "")


class Confidence(BaseModel):
    """How sure alertfix is of the chosen patch, and why: decides PR, draft PR or ticket only."""

    score: float  # 0..1
    band: Literal["high", "draft", "below"]  # against the policy's min_confidence and high mark
    reasons: list[str] = Field(default_factory=list)


class Verification(BaseModel):
    passed: bool  # the ticket closes (verified, or fixed but not verified by traffic)
    deploy: Deploy
    new_events: int
    scenario_passed: bool | None
    detail: str  # the findings, joined
    findings: list[str] = Field(default_factory=list)  # one line per monitor, check or replay
    # verified: the monitors' counts rule the fault out; unverified: too rare to tell within
    # the maximum window; regressed: it is back (or a check fails) after the deploy.
    verdict: Literal["verified", "unverified", "regressed"] = "verified"
    monitor: str = "embedded"
    window_s: float = 0.0  # how long after the deploy the monitors were read
    needed_s: float | None = None  # how long the fault's rate called for (None: no rate)
    p_value: float | None = None
    new_event_links: list[str] = Field(default_factory=list)
    chart: list[tuple[datetime, float]] = Field(default_factory=list)  # bucket start, per hour
    chart_bucket_s: float = 0.0


class StageEvent(BaseModel):
    stage: str
    started_at: datetime = Field(default_factory=utcnow)
    seconds: float = 0.0
    summary: str = ""


Outcome = Literal["closed", "escalated", "reopened"]


class IncidentState(BaseModel):
    incident_id: str
    source: str
    repo: RepoRef
    alert: Alert | None = None  # parsed and redacted at the edge (agent/incidents/alerts.py)
    ticket: Ticket | None = None
    root_cause: RootCause | None = None
    regression_test: RegressionTest | None = None
    environment: Environment | None = None
    candidates: list[Candidate] = Field(default_factory=list)
    repair_notes: list[str] = Field(default_factory=list)  # strategies that declined, and why
    validations: list[Validation] = Field(default_factory=list)
    # The top lines of spectrum-based localisation (validate), for the PR's evidence.
    suspicious_lines: list[str] = Field(default_factory=list)
    chosen: Candidate | None = None
    confidence: Confidence | None = None
    pull_request: PullRequestInfo | None = None
    review: Literal["approved", "rejected"] | None = None
    deploy: Deploy | None = None
    verification: Verification | None = None
    escalation: str | None = None
    stop_after_rca: str | None = None  # the policy lets this alert go no further than RCA
    queued: str | None = None  # why admit is holding it back (caps on PRs or incidents)
    verify_delayed: str | None = None  # the monitor failure the ticket was last told about
    outcome: Outcome | None = None
    model_usage: ModelUsage | None = None  # when the model path ran
    timeline: Annotated[list[StageEvent], operator.add] = Field(default_factory=list)


STATE_MODELS: tuple[type[BaseModel], ...] = (
    RepoRef, Environment, Location, Suspect, RootCause, RegressionTest, Candidate, Validation,
    ModelUsage, Confidence, Verification,
    StageEvent, IncidentState, Alert, Frame, Ticket, Deploy, PullRequestInfo,
)
