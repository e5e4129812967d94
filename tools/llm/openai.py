"""Chat completions through the official `openai` client: OpenAI itself, Azure OpenAI, or any
OpenAI-compatible server (vLLM, Ollama, llama.cpp, a LiteLLM proxy) at `base_url`.

The client retries 408/409/429/5xx and dropped connections itself (`max_retries`), waiting
what `retry-after-ms` / `retry-after` ask for; what is left after that is translated into the
shared error family.
"""

from __future__ import annotations

import time
from typing import Any

import openai

from tools.llm.base import (
    ANSWER_TOOL,
    ANSWER_TOOL_DESCRIPTION,
    ModelAnswer,
    ModelRequest,
    answer_text,
    connection_error,
    status_error,
)

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIModel:
    provider = "openai"

    def __init__(self, model: str, *, api_key: str | None = None, base_url: str | None = None,
                 timeout_s: float = 120.0, max_retries: int = 2) -> None:
        self.model = model
        self.base_url = base_url or DEFAULT_BASE_URL
        self._secret = api_key
        # A local server needs no key, but the client insists on one being set.
        self._client = openai.OpenAI(api_key=api_key or "no-key", base_url=self.base_url,
                                     timeout=timeout_s, max_retries=max_retries)

    def complete(self, request: ModelRequest) -> ModelAnswer:
        messages: list[Any] = [{"role": "system", "content": request.system}]
        messages += [{"role": m.role, "content": m.content} for m in request.messages]
        where = f"openai model {self.model}"
        started = time.monotonic()
        try:
            response = self._client.chat.completions.create(
                model=self.model, messages=messages, max_tokens=request.max_tokens,
                temperature=request.temperature,
                tools=[{"type": "function", "function": {
                    "name": ANSWER_TOOL, "description": ANSWER_TOOL_DESCRIPTION,
                    "parameters": request.answer_schema}}],
                tool_choice={"type": "function", "function": {"name": ANSWER_TOOL}})
        except openai.APIStatusError as exc:
            raise status_error(where, exc.status_code, exc.response.headers,
                               exc.response.text, self._secret) from None
        except openai.APIConnectionError as exc:
            raise connection_error(where, self.base_url,
                                   isinstance(exc, openai.APITimeoutError)) from None
        if not response.choices:
            raise status_error(where, 502, None, "the answer has no choices", self._secret)
        choice = response.choices[0]
        calls = [c for c in choice.message.tool_calls or [] if c.type == "function"]
        text = answer_text(calls[0].function.arguments) if calls else (
            choice.message.content or "")
        usage = response.usage
        return ModelAnswer(text=text, model=response.model or self.model,
                           input_tokens=usage.prompt_tokens if usage else 0,
                           output_tokens=usage.completion_tokens if usage else 0,
                           seconds=round(time.monotonic() - started, 3),
                           stop_reason=choice.finish_reason or "")
