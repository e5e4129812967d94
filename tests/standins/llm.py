"""Stand-ins for the model APIs: OpenAI chat completions (`POST /v1/chat/completions`) and
Anthropic messages (`POST /v1/messages`), in their wire formats.

    with openai_standin() as server:
        server.answers.append({"explanation": "...", "functions": [...]})   # a tool call
        server.answers.append("prose, not a tool call")                     # plain text
        OpenAIModel("gpt-4o-mini", api_key=server.key, base_url=server.base_url)

Each keeps state: the scripted answers, in order; every request body received; and the
tokens it counted (a word count of the prompt and of the answer, reported in `usage`).
A request for a model it does not serve gets the API's 404; a wrong key its 401; a request
without messages its 400. Faults (429 with Retry-After, 500, a dropped connection) come from
the base server's `fail()`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.standins._http import Request, Response, StandInServer, json_response

Answer = dict[str, Any] | str


def _words(value: Any) -> int:
    return len(json.dumps(value).split()) if not isinstance(value, str) else len(value.split())


class _ModelStandIn(StandInServer):
    def __init__(self, key: str, models: tuple[str, ...]) -> None:
        super().__init__()
        self.key, self.models = key, models
        self.answers: list[Answer] = []
        self.bodies: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def _next(self, body: dict[str, Any]) -> Answer:
        with self.lock:
            self.bodies.append(body)
            return self.answers.pop(0) if self.answers else "no answer scripted"


class OpenAIStandIn(_ModelStandIn):
    def __init__(self, key: str = "sk-test-standin-key", models: tuple[str, ...] = (
            "gpt-4o-mini",)) -> None:
        super().__init__(key, models)
        self.route("POST", r"/v1/chat/completions", self._complete)

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    @staticmethod
    def error(status: int, message: str, kind: str) -> Response:
        return json_response(status, {"error": {"message": message, "type": kind,
                                                "param": None, "code": None}})

    def _complete(self, req: Request) -> Response:
        if req.headers.get("authorization") != f"Bearer {self.key}":
            return self.error(401, f"Incorrect API key provided: "
                              f"{req.headers.get('authorization', '')[7:]}.",
                              "invalid_request_error")
        body = req.json()
        if body.get("model") not in self.models:
            return self.error(404, f"The model `{body.get('model')}` does not exist",
                              "invalid_request_error")
        if not body.get("messages"):
            return self.error(400, "'messages' is a required property", "invalid_request_error")
        answer = self._next(body)
        forced = (body.get("tool_choice") or {}).get("function", {}).get("name")
        message: dict[str, Any] = {"role": "assistant", "content": None}
        if isinstance(answer, dict) and forced:
            message["tool_calls"] = [{"id": f"call_{next(self._ids)}", "type": "function",
                                      "function": {"name": forced,
                                                   "arguments": json.dumps(answer)}}]
            finish = "tool_calls"
        else:
            message["content"] = answer if isinstance(answer, str) else json.dumps(answer)
            finish = "stop"
        prompt = sum(_words(m.get("content") or "") for m in body["messages"])
        completion = _words(answer)
        return json_response(200, {
            "id": f"chatcmpl-{next(self._ids)}", "object": "chat.completion",
            "created": 1_700_000_000, "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": finish,
                         "logprobs": None}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion}})


class AnthropicStandIn(_ModelStandIn):
    def __init__(self, key: str = "sk-ant-test-standin-key", models: tuple[str, ...] = (
            "claude-haiku-4-5",)) -> None:
        super().__init__(key, models)
        self.route("POST", r"/v1/messages", self._messages)

    @property
    def base_url(self) -> str:
        return self.origin

    @staticmethod
    def error(status: int, message: str, kind: str) -> Response:
        return json_response(status, {"type": "error",
                                      "error": {"type": kind, "message": message}})

    def _messages(self, req: Request) -> Response:
        if req.headers.get("x-api-key") != self.key:
            return self.error(401, "invalid x-api-key", "authentication_error")
        if not req.headers.get("anthropic-version"):
            return self.error(400, "anthropic-version header is required",
                              "invalid_request_error")
        body = req.json()
        if body.get("model") not in self.models:
            return self.error(404, f"model: {body.get('model')}", "not_found_error")
        if not body.get("messages") or not body.get("max_tokens"):
            return self.error(400, "messages and max_tokens are required",
                              "invalid_request_error")
        answer = self._next(body)
        forced = (body.get("tool_choice") or {}).get("name")
        if isinstance(answer, dict) and forced:
            content = [{"type": "tool_use", "id": f"toolu_{next(self._ids)}", "name": forced,
                        "input": answer}]
            stop = "tool_use"
        else:
            text = answer if isinstance(answer, str) else json.dumps(answer)
            content, stop = [{"type": "text", "text": text}], "end_turn"
        prompt = _words(body.get("system") or "") + sum(
            _words(m.get("content") or "") for m in body["messages"])
        return json_response(200, {
            "id": f"msg_{next(self._ids)}", "type": "message", "role": "assistant",
            "model": body["model"], "content": content, "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": _words(answer)}})


@contextmanager
def openai_standin() -> Iterator[OpenAIStandIn]:
    server = OpenAIStandIn()
    with server.running():
        yield server


@contextmanager
def anthropic_standin() -> Iterator[AnthropicStandIn]:
    server = AnthropicStandIn()
    with server.running():
        yield server
