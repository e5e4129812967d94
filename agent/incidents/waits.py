"""Typed waits and resumes: what a paused incident waits for, and what wakes it.

A node pauses with `answer = wait(ReviewWait(...))`; whatever resumes it (CLI, webhook, timer,
`alertfix retry`) passes one of the Resume models to `IncidentService.resume`. Both cross
LangGraph's checkpoint as JSON and are read back into these models: nothing downstream parses
a status string or a dict.
"""

from __future__ import annotations

from typing import Annotated, Literal

from langgraph.types import interrupt
from pydantic import BaseModel, Field, TypeAdapter

from tools.ports import Port


class ReviewWait(BaseModel):
    waiting_for: Literal["review"] = "review"
    pull_request: int
    url: str = ""


class DeployWait(BaseModel):
    waiting_for: Literal["deploy"] = "deploy"
    merge_commit: str


class VerificationWait(BaseModel):
    waiting_for: Literal["verification window"] = "verification window"
    due: str  # ISO time after which verify runs
    delayed: str = ""  # why the last check could not read the monitor
    reading: str = ""  # what the monitors showed so far


class CapacityWait(BaseModel):
    waiting_for: Literal["capacity"] = "capacity"
    reason: str | None = None


class ServiceWait(BaseModel):
    """An outside service stayed unavailable through the retries: the incident waits for it
    (recorded by the service, not by a node: the failed stage runs again on resume)."""

    waiting_for: Literal["service"] = "service"
    port: Port
    reason: str
    stage: str = ""
    retry_at: float | None = None  # epoch seconds: `tick` tries again then
    attempts: int = 0


Wait = Annotated[ReviewWait | DeployWait | VerificationWait | CapacityWait | ServiceWait,
                 Field(discriminator="waiting_for")]
WAIT = TypeAdapter[Wait](Wait)


class ReviewDecision(BaseModel):
    kind: Literal["review"] = "review"
    decision: Literal["approved", "rejected"] | None = None  # None: look at the forge
    by: str = "a reviewer"


class Deployed(BaseModel):
    kind: Literal["deployed"] = "deployed"
    environment: str = "production"


class Tick(BaseModel):
    """A timer: check the window or the caps again."""

    kind: Literal["tick"] = "tick"


class Retry(BaseModel):
    """A person (or the retry timer) asks to try the waiting stage again."""

    kind: Literal["retry"] = "retry"
    by: str = "alertfix"


Resume = Annotated[ReviewDecision | Deployed | Tick | Retry, Field(discriminator="kind")]
RESUME = TypeAdapter[Resume](Resume)


def wait(what: Wait) -> Resume:
    """Pause the incident durably until resumed; returns the typed resume."""
    return RESUME.validate_python(interrupt(what.model_dump(mode="json")))


def describe(what: Wait) -> str:
    """The status line for a wait: `waiting for review`, `waiting for forge`."""
    if isinstance(what, ServiceWait):
        return f"waiting for {what.port}"
    return f"waiting for {what.waiting_for}"
