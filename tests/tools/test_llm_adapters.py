"""The model adapters drive the official openai and anthropic clients against stand-ins that
speak their wire formats: the forced tool call, usage, and every error path (400, 401, 404,
429 with Retry-After, 500, a dropped connection) landing in the shared error family."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.standins.llm import AnthropicStandIn, OpenAIStandIn, anthropic_standin, openai_standin
from tools.llm.anthropic import AnthropicModel
from tools.llm.base import ANSWER_TOOL, ChatModel, Message, ModelRequest, retry_after
from tools.llm.openai import OpenAIModel
from tools.llm.replay import RecordingModel, ReplayModel
from tools.ports import (
    ModelError,
    ModelNotFound,
    ModelRefused,
    ModelUnavailable,
    NotFound,
    Refused,
    Unavailable,
)

ANSWER = {"explanation": "read the renamed key",
          "functions": [{"name": "total", "code": "def total(x):\n    return x['amount']\n"}]}
SCHEMA = {"type": "object", "properties": {"functions": {"type": "array"}}}
PATH = {"openai": r"/v1/chat/completions", "anthropic": r"/v1/messages"}

Server = OpenAIStandIn | AnthropicStandIn
Make = Callable[..., ChatModel]


def request(text: str = "fix total") -> ModelRequest:
    return ModelRequest(system="You repair code.", messages=[Message(role="user", content=text)],
                        answer_schema=SCHEMA, max_tokens=256)


@pytest.fixture(params=["openai", "anthropic"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, Server, Make]]:
    if request.param == "openai":
        with openai_standin() as server:
            yield "openai", server, lambda key=server.key, model="gpt-4o-mini", **kw: \
                OpenAIModel(model, api_key=key, base_url=server.base_url, timeout_s=5, **kw)
    else:
        with anthropic_standin() as anthropic_server:
            yield "anthropic", anthropic_server, \
                lambda key=anthropic_server.key, model="claude-haiku-4-5", **kw: \
                AnthropicModel(model, api_key=key, base_url=anthropic_server.base_url,
                               timeout_s=5, **kw)


def test_a_forced_tool_call_comes_back_as_json_with_its_usage(
        served: tuple[str, Server, Make]) -> None:
    provider, server, make = served
    server.answers.append(ANSWER)
    answer = make().complete(request("fix total please"))
    assert json.loads(answer.text) == ANSWER
    assert answer.input_tokens > 0 and answer.output_tokens == len(json.dumps(ANSWER).split())
    body = server.bodies[-1]
    assert body["temperature"] == 0.0 and body["max_tokens"] == 256
    if provider == "openai":
        assert body["tool_choice"] == {"type": "function", "function": {"name": ANSWER_TOOL}}
        assert body["tools"][0]["function"]["parameters"] == SCHEMA
        assert body["messages"][0] == {"role": "system", "content": "You repair code."}
        assert answer.stop_reason == "tool_calls"
    else:
        assert body["tool_choice"] == {"type": "tool", "name": ANSWER_TOOL}
        assert body["tools"][0]["input_schema"] == SCHEMA
        assert body["system"] == "You repair code."
        assert answer.stop_reason == "tool_use"


def test_prose_instead_of_a_tool_call_is_returned_as_text(
        served: tuple[str, Server, Make]) -> None:
    _, server, make = served
    server.answers.append("I think you should restart the server.")
    assert make().complete(request()).text == "I think you should restart the server."


def test_a_bad_key_is_refused_and_never_echoed(served: tuple[str, Server, Make]) -> None:
    _, server, make = served
    with pytest.raises(ModelRefused) as caught:
        make(key="sk-wrong-secret-key-123456").complete(request())
    assert isinstance(caught.value, Refused) and caught.value.port == "model"
    assert "401" in str(caught.value) and "sk-wrong-secret-key-123456" not in str(caught.value)
    assert len(server.requests) == 1  # not retried


def test_an_invalid_request_is_refused_without_retrying(
        served: tuple[str, Server, Make]) -> None:
    provider, server, make = served
    server.fail("POST", PATH[provider], status=400, body={"error": {"message": "bad schema"}})
    with pytest.raises(ModelRefused, match="400"):
        make().complete(request())
    assert len(server.requests) == 1


def test_an_unknown_model_is_not_found(served: tuple[str, Server, Make]) -> None:
    _, _, make = served
    with pytest.raises(ModelNotFound) as caught:
        make(model="no-such-model").complete(request())
    assert isinstance(caught.value, NotFound) and "ALERTFIX_LLM_MODEL" in str(caught.value)


def test_429_is_retried_after_the_wait_it_asks_for(served: tuple[str, Server, Make]) -> None:
    provider, server, make = served
    server.fail("POST", PATH[provider], status=429, headers={"Retry-After": "1"},
                body={"error": {"message": "rate limited"}})
    server.answers.append(ANSWER)
    started = time.monotonic()
    answer = make(max_retries=2).complete(request())
    assert json.loads(answer.text) == ANSWER
    assert [r.status for r in server.requests] == [429, 200]
    assert time.monotonic() - started >= 0.9  # waited what Retry-After said (a lower bound)


def test_429_after_the_retries_is_unavailable_with_its_retry_after(
        served: tuple[str, Server, Make]) -> None:
    provider, server, make = served
    server.fail("POST", PATH[provider], status=429, headers={"Retry-After": "42"})
    with pytest.raises(ModelUnavailable) as caught:
        make(max_retries=0).complete(request())
    assert isinstance(caught.value, Unavailable) and caught.value.retry_after == 42.0


def test_500_is_retried_then_unavailable(served: tuple[str, Server, Make]) -> None:
    provider, server, make = served
    server.fail("POST", PATH[provider], status=500, times=2)
    with pytest.raises(ModelUnavailable, match="500"):
        make(max_retries=1).complete(request())
    assert [r.status for r in server.requests] == [500, 500]


def test_a_dropped_connection_is_retried(served: tuple[str, Server, Make]) -> None:
    provider, server, make = served
    server.fail("POST", PATH[provider], drop=True)
    server.answers.append(ANSWER)
    assert json.loads(make(max_retries=1).complete(request()).text) == ANSWER
    server.fail("POST", PATH[provider], drop=True)
    with pytest.raises(ModelUnavailable, match="could not be reached"):
        make(max_retries=0).complete(request())


def test_recorded_answers_replay_offline(served: tuple[str, Server, Make],
                                         tmp_path: Path) -> None:
    _, server, make = served
    server.answers.append(ANSWER)
    recorder = RecordingModel(make(), tmp_path)
    live = recorder.complete(request("fix total"))
    server.stop()  # offline from here on
    replayed = ReplayModel(tmp_path).complete(request("fix total"))
    assert replayed.text == live.text and replayed.tokens == live.tokens
    with pytest.raises(ModelNotFound, match="no recorded answer"):
        ReplayModel(tmp_path).complete(request("another question"))
    (tmp_path / f"{request('broken').key()}.json").write_text("{not json")
    with pytest.raises(ModelError, match="not a recording"):
        ReplayModel(tmp_path).complete(request("broken"))


def test_retry_after_reads_seconds_milliseconds_and_dates() -> None:
    assert retry_after({"Retry-After": "3"}) == 3.0
    assert retry_after({"retry-after-ms": "1500"}) == 1.5
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past
    assert retry_after({"Retry-After": "soon"}) is None and retry_after({}) is None


def test_doctor_checks_that_the_model_answers(tmp_path: Path) -> None:
    from agent.doctor import run_checks
    from agent.settings import Settings

    def model_findings(**values: object) -> list[str]:
        settings = Settings(home=tmp_path, **values)  # type: ignore[arg-type]
        return [f"{f.ok} {f.message}" for f in run_checks(settings, []) if f.integration == "model"]

    assert model_findings() == []  # no model, llm_mode off: nothing to check
    assert model_findings(llm_mode="fallback")[0].startswith("False llm_mode is fallback but")
    with openai_standin() as server:
        server.answers.append({"explanation": "ok", "functions": []})
        found = model_findings(llm_provider="openai", llm_model="gpt-4o-mini",
                               llm_base_url=server.base_url, llm_api_key=server.key,
                               llm_mode="always")
        assert found[0].startswith("True openai:gpt-4o-mini answered with the structured tool")
        bad = model_findings(llm_provider="openai", llm_model="gpt-4o-mini",
                             llm_base_url=server.base_url, llm_api_key="sk-wrong-key-000000")
        assert bad[0].startswith("False openai model gpt-4o-mini: HTTP 401")
        assert "sk-wrong-key-000000" not in bad[0]
    recorded = tmp_path / "recorded"
    assert model_findings(llm_provider="replay", llm_model=str(recorded))[0].startswith("False")


def test_the_settings_pick_the_adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.context import build_model
    from agent.settings import Settings

    monkeypatch.setenv("ALERTFIX_LLM_PROVIDER", "anthropic")
    monkeypatch.setenv("ALERTFIX_LLM_MODEL", "claude-haiku-4-5")
    monkeypatch.setenv("ALERTFIX_LLM_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ALERTFIX_LLM_API_KEY", "sk-ant-secret-value-1")
    monkeypatch.setenv("ALERTFIX_LLM_MODE", "always")
    settings = Settings(home=tmp_path)
    assert settings.llm_mode == "always" and "sk-ant" not in repr(settings)
    model = build_model(settings)
    assert isinstance(model, AnthropicModel) and model.base_url == "http://127.0.0.1:9"
    recorded = build_model(settings.model_copy(update={
        "llm_provider": "openai", "llm_record_dir": tmp_path / "r"}))
    assert isinstance(recorded, RecordingModel) and isinstance(recorded.inner, OpenAIModel)
    assert isinstance(build_model(settings.model_copy(update={
        "llm_provider": "replay", "llm_model": str(tmp_path)})), ReplayModel)
    assert build_model(settings.model_copy(update={"llm_provider": None})) is None
    with pytest.raises(ValueError, match="ALERTFIX_LLM_MODEL"):
        build_model(settings.model_copy(update={"llm_model": ""}))
