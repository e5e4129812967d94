#!/bin/sh
# Builds the blind-worker-retry-setting-wrong-key repository in "$1": 3 commits.
# Written by evals/blind (python -m evals.blind generate); edit the spec there, not this file.
set -eu
mkdir -p "$1"
cd "$1"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 TZ=UTC LC_ALL=C
git init -q -b main .

commit() {  # author name, author email, date; the message on stdin
    git add -A
    GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" GIT_AUTHOR_DATE="$3" \
    GIT_COMMITTER_NAME="$1" GIT_COMMITTER_EMAIL="$2" GIT_COMMITTER_DATE="$3" \
        git -c commit.gpgsign=false commit -q --cleanup=verbatim -F -
}

deploy() {  # number, date: an annotated tag whose tagger date is the deploy time
    GIT_COMMITTER_NAME="Deploy Bot" GIT_COMMITTER_EMAIL="deploy-bot@acme.test" \
    GIT_COMMITTER_DATE="$2" git -c tag.gpgsign=false tag -a "deploy-$1" -m "environment=production
deployed worker by the release pipeline"
}

# --- commit 1: Job runner with retries
mkdir -p worker
cat > worker/__init__.py <<'__BLIND_EOF__'
"""Background job worker."""
__BLIND_EOF__
mkdir -p worker
cat > worker/config.py <<'__BLIND_EOF__'
"""Worker settings: defaults, overridden by a JSON file (worker.json in production)."""

import json
from pathlib import Path

DEFAULTS = {"queue": "default", "max_attempts": 5, "backoff_s": 2.0, "backoff_cap_s": 60.0}


def load(path: str | None = None) -> dict:
    config = dict(DEFAULTS)
    if path:
        config.update(json.loads(Path(path).read_text(encoding="utf-8")))
    return config
__BLIND_EOF__
mkdir -p worker
cat > worker/runner.py <<'__BLIND_EOF__'
"""Runs jobs with retries; jobs that keep failing go to the dead-letter list."""

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
__BLIND_EOF__
cat > worker.example.json <<'__BLIND_EOF__'
{"queue": "mail", "max_attempts": 3, "backoff_s": 0.5}
__BLIND_EOF__
mkdir -p worker
cat > worker/jobs.py <<'__BLIND_EOF__'
"""The jobs the worker runs."""

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
__BLIND_EOF__
mkdir -p tests
cat > tests/test_runner.py <<'__BLIND_EOF__'
from worker.runner import Runner


def test_success_needs_no_retry():
    runner = Runner()
    assert runner.run("ok", lambda: 42) == 42 and runner.waits == []
__BLIND_EOF__
commit 'Jonas Weber' jonas.weber@acme.dev 2026-11-03T13:00:00+00:00 <<'__BLIND_EOF__'
Job runner with retries
__BLIND_EOF__
deploy 1 2026-11-03T15:00:00Z

# --- commit 2: Runner: retry policy from the worker config
mkdir -p worker
cat > worker/runner.py <<'__BLIND_EOF__'
"""Runs jobs with retries; jobs that keep failing go to the dead-letter list."""


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
__BLIND_EOF__
mkdir -p tests
cat > tests/test_runner.py <<'__BLIND_EOF__'
from worker.config import load
from worker.runner import Runner


def test_success_needs_no_retry():
    runner = Runner(load())
    assert runner.run("ok", lambda: 42) == 42 and runner.waits == []


def test_backoff_is_capped():
    runner = Runner(load())
    assert [runner.backoff(n) for n in (1, 2, 7)] == [2.0, 4.0, 60.0]
__BLIND_EOF__
commit 'Maya Lindqvist' maya.lindqvist@acme.dev 2026-11-18T11:40:00+00:00 <<'__BLIND_EOF__'
Runner: retry policy from the worker config

Mail jobs should give up sooner than sync jobs; take attempts and
back-off from config instead of module constants.
__BLIND_EOF__
deploy 2 2026-11-18T14:00:00Z

# --- commit 3: Config: document worker.json keys
cat > README.md <<'__BLIND_EOF__'
# worker

`worker.json` may set `queue`, `max_attempts`, `backoff_s` and
`backoff_cap_s`; see `worker/config.py` for the defaults.
__BLIND_EOF__
commit 'Priya Raman' priya.raman@acme.dev 2026-11-19T09:10:00+00:00 <<'__BLIND_EOF__'
Config: document worker.json keys
__BLIND_EOF__
deploy 3 2026-11-19T10:00:00Z
