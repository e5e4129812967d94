"""The rca and confirm nodes on the embedded adapters: the ticket gets the root cause, then
the outcome of running the regression test at the top suspect and its parent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langgraph.runtime import Runtime

from agent.context import build_context
from agent.incidents.service import IncidentService
from agent.nodes.rca import confirm, rca
from agent.settings import Settings
from agent.state import IncidentState, RegressionTest
from tests.rca.history import History
from tests.rca.test_analyse import USAGE
from tools.ports import TicketDraft
from tools.tracker.local import LocalTracker

REGRESSION = '''from svc.usage import summarize


def test_summarize_no_values():
    summarize([])
'''


def _advance(state: IncidentState, update: dict[str, Any]) -> IncidentState:
    merged = state.model_dump()
    for key, value in update.items():
        merged[key] = merged[key] + value if key == "timeline" else value
    return IncidentState.model_validate(merged)


@pytest.mark.slow
def test_rca_comments_then_confirm_runs_the_regression_test(tmp_path: Path) -> None:
    history = History(tmp_path / "svc")
    history.commit("Usage summaries", {"svc/__init__.py": "", "svc/usage.py": USAGE})
    history.deploy()
    culprit = history.commit("Usage: simpler average", {"svc/usage.py": USAGE.replace(
        "    if not values:\n        return 0.0\n", "")})
    history.commit("Docs", {"README.md": "usage\n"})
    history.deploy()
    alert = history.alert("ZeroDivisionError", "division by zero", [
        history.frame("svc/usage.py", "summarize", "average(values)}"),
        history.frame("svc/usage.py", "average", "sum(values) / len(values)")])

    settings = Settings(home=tmp_path / ".alertfix", test_timeout_s=60)
    repo_ref = IncidentService(settings).register_local_repo(history.path)
    repo_ref.test_command = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    context = build_context(settings, repo_ref)
    runtime = Runtime(context=context)
    ticket = context.tracker.create(TicketDraft(title="ZeroDivisionError", body="b",
                                                fingerprint=alert.fingerprint))
    state = IncidentState(incident_id="inc-1", source="sentry", repo=repo_ref,
                          alert=alert, ticket=ticket)

    state = _advance(state, rca(state, runtime))
    rc = state.root_cause
    assert rc and rc.suspects[0].sha == culprit and rc.confirmed is None
    tracker = context.tracker
    assert isinstance(tracker, LocalTracker)
    assert "Usage: simpler average" in tracker.comments(ticket.key)[-1]

    state = state.model_copy(update={"regression_test": RegressionTest(
        path="tests/test_regression.py", source=REGRESSION,
        nodeid="tests/test_regression.py::test_summarize_no_values",
        description="summarize([]) does not raise", reproduces=True)})
    state = _advance(state, confirm(state, runtime))
    rc = state.root_cause
    assert rc and rc.confirmed and rc.suspects[0].confirmed
    assert "confirmed by running code" in tracker.comments(ticket.key)[-1]
    assert "Confirmed by running code" in rc.explanation
    assert state.timeline[-1].stage == "confirm"
