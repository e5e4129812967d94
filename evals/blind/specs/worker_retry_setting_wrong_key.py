"""blind-worker-retry-setting-wrong-key (sentry)."""

from __future__ import annotations

from evals.blind.model import Case, Commit, Edit, WrongFix
from evals.blind.people import JONAS, MAYA, PRIYA

_WK_CONFIG = ('''"""Worker settings: defaults, overridden by a JSON file '''
              '''(worker.json in production)."""

import json
from pathlib import Path

DEFAULTS = {"queue": "default", "max_attempts": 5, "backoff_s": 2.0, "backoff_cap_s": 60.0}


def load(path: str | None = None) -> dict:
    config = dict(DEFAULTS)
    if path:
        config.update(json.loads(Path(path).read_text(encoding="utf-8")))
    return config
''')

_WK_RUNNER_1 = '''"""Runs jobs with retries; jobs that keep failing go to the dead-letter list."""

MAX_ATTEMPTS = 5


class TransientError(Exception):
    """A failure worth retrying: a timeout, a 503, a lock held elsewhere."""


class Runner:
    def __init__(self) -> None:
        self.dead_letters: list[str] = []
        self.waits: list[float] = []  # the back-off before each retry, in seconds

    def run(self, name: str, job):
        attempt = 0
        while True:
            attempt += 1
            try:
                return job()
            except TransientError:
                if attempt >= MAX_ATTEMPTS:
                    self.dead_letters.append(name)
                    return None
                self.waits.append(2.0 * 2 ** (attempt - 1))
'''

_WK_RUNNER_2 = '''"""Runs jobs with retries; jobs that keep failing go to the dead-letter list."""


class TransientError(Exception):
    """A failure worth retrying: a timeout, a 503, a lock held elsewhere."""


class Runner:
    def __init__(self, config: dict) -> None:
        self.config = config
        self.dead_letters: list[str] = []
        self.waits: list[float] = []  # the back-off before each retry, in seconds

    def backoff(self, attempt: int) -> float:
        """Exponential back-off after failed attempt `attempt` (1-based), capped."""
        delay = self.config["backoff_s"] * 2 ** (attempt - 1)
        return min(delay, self.config["backoff_cap_s"])

    def describe(self) -> str:
        """One line for the status page."""
        return (f"queue {self.config['queue']}: up to {self.config['max_retries']} attempts, "
                f"back-off from {self.config['backoff_s']} s")

    def run(self, name: str, job):
        attempt = 0
        while True:
            attempt += 1
            try:
                return job()
            except TransientError:
                if attempt >= self.config["max_retries"]:
                    self.dead_letters.append(name)
                    return None
                self.waits.append(self.backoff(attempt))
'''

_WK_JUDGE = '''import json

from worker.config import load
from worker.runner import Runner, TransientError


def _failing(times):
    calls = []

    def job():
        calls.append(1)
        if len(calls) <= times:
            raise TransientError("503")
        return "done"
    return job, calls


def test_attempts_come_from_the_config_file(tmp_path):
    path = tmp_path / "worker.json"
    path.write_text(json.dumps({"queue": "mail", "max_attempts": 3, "backoff_s": 0.5}))
    runner = Runner(load(str(path)))
    job, calls = _failing(10)
    assert runner.run("send-digest", job) is None
    assert len(calls) == 3 and runner.dead_letters == ["send-digest"]
    assert runner.waits == [0.5, 1.0]


def test_a_job_that_recovers_is_retried_until_it_succeeds():
    runner = Runner(load())
    job, calls = _failing(4)
    assert runner.run("sync", job) == "done"
    assert len(calls) == 5 and runner.dead_letters == []
    assert runner.waits == [2.0, 4.0, 8.0, 16.0]


def test_default_gives_up_after_five_attempts():
    runner = Runner(load())
    job, calls = _failing(99)
    assert runner.run("sync", job) is None and len(calls) == 5


def test_status_line_states_the_configured_attempts(tmp_path):
    path = tmp_path / "worker.json"
    path.write_text(json.dumps({"queue": "mail", "max_attempts": 3, "backoff_s": 0.5}))
    assert Runner(load(str(path))).describe() == (
        "queue mail: up to 3 attempts, back-off from 0.5 s")
'''

CASE = Case(
    id="blind-worker-retry-setting-wrong-key",
    title="KeyError: 'max_retries' in Runner.run",
    source="sentry", service="worker", received_at="2026-11-20T07:31:00Z",
    tags=("KeyError", "wrong-literal", "configuration", "multi-site", "regression"),
    commits=(
        Commit("Job runner with retries", JONAS, "2026-11-03T13:00:00+00:00", {
            "worker/__init__.py": '"""Background job worker."""\n',
            "worker/config.py": _WK_CONFIG,
            "worker/runner.py": _WK_RUNNER_1,
            "worker.example.json": '{"queue": "mail", "max_attempts": 3, "backoff_s": 0.5}\n',
            "worker/jobs.py": '''"""The jobs the worker runs."""

from worker.runner import TransientError


class BillingApi:
    """Client of the billing service; `status` stands in for its health."""

    def __init__(self, status: int = 200) -> None:
        self.status = status

    def get(self, path: str) -> dict:
        if self.status >= 500:
            raise TransientError(f"GET {path}: billing answered {self.status}")
        return {"items": []}


def fetch_invoices(api: BillingApi) -> list:
    return api.get("/invoices?state=open")["items"]
''',
            "tests/test_runner.py": '''from worker.runner import Runner


def test_success_needs_no_retry():
    runner = Runner()
    assert runner.run("ok", lambda: 42) == 42 and runner.waits == []
''',
        }, deploy="2026-11-03T15:00:00Z"),
        Commit("Runner: retry policy from the worker config\n\n"
               "Mail jobs should give up sooner than sync jobs; take attempts and\n"
               "back-off from config instead of module constants.\n", MAYA,
               "2026-11-18T11:40:00+00:00", {
            "worker/runner.py": _WK_RUNNER_2,
            "tests/test_runner.py": '''from worker.config import load
from worker.runner import Runner


def test_success_needs_no_retry():
    runner = Runner(load())
    assert runner.run("ok", lambda: 42) == 42 and runner.waits == []


def test_backoff_is_capped():
    runner = Runner(load())
    assert [runner.backoff(n) for n in (1, 2, 7)] == [2.0, 4.0, 60.0]
''',
        }, deploy="2026-11-18T14:00:00Z"),
        Commit("Config: document worker.json keys", PRIYA, "2026-11-19T09:10:00+00:00", {
            "README.md": "# worker\n\n`worker.json` may set `queue`, `max_attempts`, "
                         "`backoff_s` and\n`backoff_cap_s`; see `worker/config.py` for "
                         "the defaults.\n",
        }, deploy="2026-11-19T10:00:00Z"),
    ),
    culprit=2, files=("worker/runner.py",), functions=("Runner.run", "Runner.describe"),
    judge=_WK_JUDGE,
    crash='''from worker.config import load
from worker.jobs import BillingApi, fetch_invoices
from worker.runner import Runner

api = BillingApi(status=503)
Runner(load("worker.example.json")).run("fetch-invoices", lambda: fetch_invoices(api))
''',
    fix=(Edit("worker/runner.py", "max_retries", "max_attempts", count=2),),
    wrong_fixes=(
        WrongFix("defaults the unknown key to one attempt", (
            Edit("worker/runner.py", 'self.config["max_retries"]',
                 'self.config.get("max_retries", 1)'),
            Edit("worker/runner.py", "self.config['max_retries']",
                 "self.config.get('max_retries', 1)"),
        )),
        WrongFix("defaults the unknown key to the old constant, ignoring the config file", (
            Edit("worker/runner.py", 'self.config["max_retries"]',
                 'self.config.get("max_retries", 5)'),
            Edit("worker/runner.py", "self.config['max_retries']",
                 "self.config.get('max_retries', 5)"),
        )),
        WrongFix("fixes run() only; the status line still reads the wrong key", (
            Edit("worker/runner.py", 'self.config["max_retries"]',
                 'self.config["max_attempts"]'),
        )),
    ),
    summary={"bug": "runner reads config['max_retries'] (run and describe); the key "
                    "is max_attempts (config.DEFAULTS, worker.example.json)",
             "fix": "read 'max_attempts' in both places",
             "trap": ".get('max_retries', 1 or 5) ignores the configured attempts; "
                     "fixing run() only"},
)
