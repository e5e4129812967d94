import json

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
