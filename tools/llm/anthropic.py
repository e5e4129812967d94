"""Messages through the official `anthropic` client.

As with OpenAI, the client retries 408/409/429/5xx (529 overloaded included) and dropped
connections itself, honouring `retry-after`; what is left is translated into the shared
error family. The answer is a forced tool use, whose input is the structured answer.
"""

from __future__ import annotations

import time
from typing import Any

import anthropic

from tools.llm.base import (
    ANSWER_TOOL,
    ANSWER_TOOL_DESCRIPTION,
    ModelAnswer,
    ModelRequest,
    answer_text,
    connection_error,
    status_error,
)

DEFAULT_BASE_URL = "https://api.anthropic.com"


class AnthropicModel:
    provider = "anthropic"

    def __init__(self, model: str, *, api_key: str | None = None, base_url: str | None = None,
                 timeout_s: float = 120.0, max_retries: int = 2) -> None:
        self.model = model
        self.base_url = base_url or DEFAULT_BASE_URL
        self._secret = api_key
        self._client = anthropic.Anthropic(api_key=api_key or "no-key", base_url=self.base_url,
                                           timeout=timeout_s, max_retries=max_retries)

    def complete(self, request: ModelRequest) -> ModelAnswer:
        messages: list[Any] = [{"role": m.role, "content": m.content} for m in request.messages]
        where = f"anthropic model {self.model}"
        started = time.monotonic()
        try:
            response = self._client.messages.create(
                model=self.model, system=request.system, messages=messages,
                max_tokens=request.max_tokens, temperature=request.temperature,
                tools=[{"name": ANSWER_TOOL, "description": ANSWER_TOOL_DESCRIPTION,
                        "input_schema": request.answer_schema}],
                tool_choice={"type": "tool", "name": ANSWER_TOOL})
        except anthropic.APIStatusError as exc:
            raise status_error(where, exc.status_code, exc.response.headers,
                               exc.response.text, self._secret) from None
        except anthropic.APIConnectionError as exc:
            raise connection_error(where, self.base_url,
                                   isinstance(exc, anthropic.APITimeoutError)) from None
        tool = [b for b in response.content if b.type == "tool_use" and b.name == ANSWER_TOOL]
        text = answer_text(tool[0].input) if tool else "".join(
            b.text for b in response.content if b.type == "text")
        return ModelAnswer(text=text, model=response.model or self.model,
                           input_tokens=response.usage.input_tokens,
                           output_tokens=response.usage.output_tokens,
                           seconds=round(time.monotonic() - started, 3),
                           stop_reason=response.stop_reason or "")
