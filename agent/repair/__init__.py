"""The deterministic repair engine: candidates from fix templates (templates/), the culprit's
revert (revert.py) and test-guided mutation search (mutations.py); a regression test from the
event (regression.py); validation in a warm, sandboxed worker that forks per candidate
(worker.py, runner.py, validation.py); the choice of the smallest, most natural passing
change (search.py, naturalness.py). No strategy raises: each declines with a reason."""
