"""What every model adapter shares: the request, the answer, the Protocol, and reading the
wait a server asked for.

A request asks for one structured answer: the adapters force a single tool call whose
arguments follow `answer_schema` (forced tool choice works on OpenAI, Anthropic and the
OpenAI-compatible servers alertfix is tested with, where OpenAI's `json_schema` response
format does not), and hand back its arguments as JSON text. A server that ignores the tool
and answers in prose still gets its text returned; the caller's parser rejects what it cannot
read, with the reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from tools.ports import (
    ModelError,
    ModelNotFound,
    ModelRefused,
    ModelUnavailable,
    retry_after_seconds,
)

ANSWER_TOOL = "propose_replacements"
ANSWER_TOOL_DESCRIPTION = "Give the complete new source of each function you change."


class Message(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class ModelRequest(BaseModel):
    system: str
    messages: list[Message]
    answer_schema: dict[str, Any]  # JSON Schema of the tool call's arguments
    max_tokens: int = 2048
    temperature: float = 0.0

    def key(self) -> str:
        """The request's identity for recording and replay: a hash of everything that shapes
        the answer except the model's name, so one recording replays under any name."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True,
                               separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:24]


class ModelAnswer(BaseModel):
    text: str  # the tool call's arguments as JSON text, else whatever text came back
    model: str  # as the server named it
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    stop_reason: str = ""

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class ChatModel(Protocol):
    """One call, one answer. Raises ModelUnavailable, ModelRefused or ModelNotFound."""

    provider: str  # "openai", "anthropic", "replay"
    model: str

    def complete(self, request: ModelRequest) -> ModelAnswer: ...


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds a 429 or 503 asked to wait: OpenAI's `retry-after-ms`, else `retry-after`
    (read by the shared parser); None when it did not say."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        if "retry-after-ms" in lowered:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
    except ValueError:
        pass
    return retry_after_seconds(lowered.get("retry-after"))


def answer_text(arguments: object) -> str:
    """A tool call's arguments as JSON text (Anthropic hands a dict, OpenAI a string)."""
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def _shown(text: str, secret: str | None, limit: int = 200) -> str:
    """A server's error text for a message: one line, capped, the API key never in it."""
    line = " ".join(text.split())
    if secret:
        line = line.replace(secret, "***")
    return line[:limit]


def status_error(where: str, status: int, headers: Mapping[str, str] | None, body: str,
                 secret: str | None) -> ModelError:
    """The error for an HTTP status the client's own retries did not get past."""
    said = _shown(body, secret)
    detail = f"{where}: HTTP {status}" + (f" ({said})" if said else "")
    if status in (401, 403):
        return ModelRefused(f"{detail}; check ALERTFIX_LLM_API_KEY and the model's access")
    if status == 404:
        return ModelNotFound(f"{detail}; check ALERTFIX_LLM_MODEL and ALERTFIX_LLM_BASE_URL")
    if status in (408, 409, 429) or status >= 500:
        return ModelUnavailable(f"{detail}; try again later", retry_after=retry_after(headers))
    return ModelRefused(f"{detail}; the server rejects this request")


def connection_error(where: str, base_url: str, timed_out: bool) -> ModelError:
    what = "timed out" if timed_out else "could not be reached (connection refused or dropped)"
    return ModelUnavailable(f"{where}: {base_url} {what}; check ALERTFIX_LLM_BASE_URL and that "
                            "the server is up")
