"""The graph compiled with a fresh checkpointer: routing, waits and resumption."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from agent.context import Context
from agent.graph import after_review, after_validate, after_verify, build_graph
from agent.incidents.alerts import incoming
from agent.incidents.waits import Deployed, ReviewDecision
from agent.runtime import serializer
from agent.state import Candidate, IncidentState, RepoRef, Verification
from tools.ports import Deploy, utcnow


def _state(**fields: Any) -> IncidentState:
    return IncidentState(incident_id="inc-1", source="sentry",
                         repo=RepoRef(name="r", origin="/nowhere"), **fields)


def test_routers_are_named_and_total() -> None:
    candidate = Candidate(id="c", strategy="s", description="d", path="p", new_source="x",
                          diff="", lines_changed=1)
    assert after_validate(_state()) == "escalate"
    assert after_validate(_state(chosen=candidate)) == "confirm"
    assert after_review(_state()) == "review"
    assert after_review(_state(review="approved")) == "deploy"
    assert after_review(_state(review="rejected")) == "escalate"
    deploy = Deploy(name="deploy-1", sha="a" * 40, deployed_at=utcnow())
    failed = Verification(passed=False, deploy=deploy, new_events=2, scenario_passed=True,
                          detail="")
    assert after_verify(_state(verification=failed)) == "reopen"
    assert after_verify(_state(verification=failed.model_copy(update={"passed": True}))) == \
        "close"


@pytest.mark.slow
def test_graph_waits_for_review_and_deploy_then_closes(
        tmp_path: Path, event: dict[str, Any], repo_ref: RepoRef, context: Context) -> None:
    conn = sqlite3.connect(tmp_path / "checkpoints.db", check_same_thread=False)
    graph = build_graph().compile(checkpointer=SqliteSaver(conn, serde=serializer()))
    config: Any = {"configurable": {"thread_id": "t-1"}}
    start = IncidentState(incident_id="inc-1", source="sentry",
                         alert=incoming("sentry", event), repo=repo_ref)

    graph.invoke(start, config, context=context, durability="sync")
    snapshot = graph.get_state(config)
    assert snapshot.next == ("review",)
    assert snapshot.interrupts[0].value["waiting_for"] == "review"
    pr_number = snapshot.values["pull_request"].number

    approve = Command(resume=ReviewDecision(decision="approved").model_dump())
    # Resuming without a merge keeps it waiting: the forge is the truth, not the answer.
    graph.invoke(approve, config, context=context)
    assert graph.get_state(config).next == ("review",)

    context.forge.merge(pr_number)  # type: ignore[attr-defined]
    graph.invoke(approve, config, context=context)
    assert graph.get_state(config).interrupts[0].value["waiting_for"] == "deploy"

    merge = graph.get_state(config).values["pull_request"].merge_commit
    context.deploys.record(merge)  # type: ignore[attr-defined]
    graph.invoke(Command(resume=Deployed().model_dump()), config, context=context)
    final = IncidentState.model_validate(graph.get_state(config).values)
    assert final.outcome == "closed"
    assert final.verification and final.verification.passed
    assert [e.stage for e in final.timeline][-3:] == ["deploy", "verify", "close"]
    conn.close()
