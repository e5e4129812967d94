"""The environment stage: the repository's environment is built (or found) before any test
runs, every later run uses it, and a build that fails escalates with the installer's own
words on the ticket, redacted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langgraph.runtime import Runtime

from agent.context import Context
from agent.environment import service_for
from agent.incidents.alerts import incoming
from agent.nodes.environment import environment
from agent.nodes.finish import escalate
from agent.nodes.intake import intake
from agent.nodes.rca import rca
from agent.nodes.repair import repair
from agent.nodes.ticket import ticket
from agent.nodes.validate import validate
from agent.state import IncidentState, RepoRef
from guardrails.policy import load_policy
from tests.agent.conftest import advance
from tools.tracker.local import LocalTracker

SECRET = "AKIAIOSFODNN7EXAMPLE"


def _through(state: IncidentState, runtime: Runtime[Context], *nodes: Any) -> IncidentState:
    for node in nodes:
        state = advance(state, node(state, runtime))
    return state


def _state(event: dict[str, Any], repo_ref: RepoRef) -> IncidentState:
    return IncidentState(incident_id="inc-1", source="sentry",
                         alert=incoming("sentry", event), repo=repo_ref)


@pytest.mark.slow
def test_every_test_run_of_the_incident_is_in_the_repositorys_environment(
        event: dict[str, Any], repo_ref: RepoRef, node_runtime: Runtime[Context]) -> None:
    state = _through(_state(event, repo_ref), node_runtime, intake, ticket, environment)
    env = state.environment
    assert env is not None and env.test_kind == "pytest" and env.sources == []
    assert Path(env.python).parent.parent == Path(env.path)  # a venv of its own
    assert state.timeline[-1].summary.startswith("environment: python ")
    state = _through(state, node_runtime, rca, repair, validate)
    assert state.chosen is not None
    assert state.environment is not None and state.environment.key == env.key
    assert state.environment.runner == "warm worker"


def test_a_failed_build_escalates_with_the_installers_words_redacted(
        event: dict[str, Any], repo_ref: RepoRef, node_runtime: Runtime[Context],
        context: Context) -> None:
    failing = repo_ref.model_copy(update={"setup": f"echo 'key {SECRET}' >&2; "
                                                   "pip install --no-index alertfix-no-such-pkg"})
    state = _through(_state(event, failing), node_runtime, intake, ticket, environment)
    assert state.environment is None and state.escalation
    assert state.escalation.startswith("the repository's test environment could not be built: "
                                       "the setup command exited 1")
    assert "alertfix-no-such-pkg" in state.escalation  # pip's own error
    assert SECRET not in state.escalation
    state = _through(state, node_runtime, escalate)
    tracker = context.tracker
    assert isinstance(tracker, LocalTracker) and state.ticket
    comment = tracker.comments(state.ticket.key)[-1]
    assert "could not be built" in comment and "alertfix-no-such-pkg" in comment
    assert SECRET not in comment


def test_services_are_chosen_by_the_faulty_path(shop: Path) -> None:
    (shop / ".github").mkdir(exist_ok=True)
    (shop / ".github" / "alertfix.yml").write_text(
        "services:\n  services/billing/: services/billing\n"
        "  services/api/: {path: services/api, python: '3.11', test_command: pytest -x}\n")
    policy = load_policy(shop)
    assert not policy.problems
    assert service_for(policy, ["/srv/app/services/api/app/views.py"]) == (
        "services/api/", "services/api")
    assert service_for(policy, ["services/billing/billing/fees.py"]) == (
        "services/billing/", "services/billing")
    assert service_for(policy, ["shop/pricing.py"]) == ("", "")
    assert policy.services["services/api/"].test_command == "pytest -x"
