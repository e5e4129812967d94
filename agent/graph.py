"""build_graph(): the incident loop as a LangGraph state machine. Wiring only, no I/O.

intake → ticket → admit → environment → rca → repair → validate → confirm → pull_request → review ⏸
         ⇅ queue ⏸                                                    → deploy ⏸ → verify ⏸ → close
every stage after intake ─→ escalate (a refusal from a service escalates from anywhere)
                                                                      verify ─→ reopen
(queue: the policy's caps on open PRs and incidents per hour; confirm: the reproduction run
at the culprit and its parent; environment: the repository's own interpreter, dependencies
and test command, which every later test run uses; ⏸: a durable wait)
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.graph import END, START, StateGraph

from agent.context import Context
from agent.nodes.admit import admit, queue
from agent.nodes.environment import environment
from agent.nodes.finish import close, escalate, reopen
from agent.nodes.intake import intake
from agent.nodes.pull_request import pull_request
from agent.nodes.rca import confirm, rca
from agent.nodes.repair import repair
from agent.nodes.ticket import ticket
from agent.nodes.validate import validate
from agent.nodes.verify import verify
from agent.nodes.waits import deploy, review
from agent.state import IncidentState


def after_ticket(state: IncidentState) -> Literal["admit", "escalate"]:
    return "escalate" if state.escalation else "admit"


def after_confirm(state: IncidentState) -> Literal["pull_request", "escalate"]:
    return "escalate" if state.escalation else "pull_request"


def after_admit(state: IncidentState) -> Literal["environment", "queue", "escalate"]:
    if state.escalation:
        return "escalate"
    return "queue" if state.queued else "environment"


def after_environment(state: IncidentState) -> Literal["rca", "escalate"]:
    return "escalate" if state.escalation else "rca"


def after_rca(state: IncidentState) -> Literal["repair", "escalate"]:
    if state.escalation or state.root_cause is None or state.stop_after_rca:
        return "escalate"
    return "repair"


def after_repair(state: IncidentState) -> Literal["validate", "escalate"]:
    # No targeted candidate is not the end: validate runs the mutation search and the revert.
    return "escalate" if state.escalation else "validate"


def after_validate(state: IncidentState) -> Literal["confirm", "escalate"]:
    return "confirm" if state.chosen else "escalate"


def after_pull_request(state: IncidentState) -> Literal["review", "escalate"]:
    return "review" if state.pull_request else "escalate"


def after_review(state: IncidentState) -> Literal["deploy", "escalate", "review"]:
    if state.escalation:
        return "escalate"
    if state.review == "approved":
        return "deploy"
    return "escalate" if state.review == "rejected" else "review"


def after_deploy(state: IncidentState) -> Literal["verify", "deploy", "escalate"]:
    if state.escalation:
        return "escalate"
    return "verify" if state.deploy else "deploy"


def after_verify(state: IncidentState) -> Literal["close", "reopen", "verify", "escalate"]:
    if state.escalation:
        return "escalate"
    if state.verification is None:
        return "verify"  # woken before the window ended
    return "close" if state.verification.passed else "reopen"


def build_graph() -> StateGraph[IncidentState, Context, IncidentState, IncidentState]:
    graph = StateGraph(IncidentState, context_schema=Context)
    nodes: tuple[tuple[str, Any], ...] = (
        ("intake", intake), ("ticket", ticket), ("admit", admit), ("queue", queue),
        ("environment", environment), ("rca", rca), ("repair", repair),
        ("validate", validate), ("confirm", confirm), ("pull_request", pull_request),
        ("review", review),
        ("deploy", deploy), ("verify", verify), ("close", close), ("reopen", reopen),
        ("escalate", escalate))
    for name, node in nodes:
        graph.add_node(name, node)
    graph.add_edge(START, "intake")
    graph.add_edge("intake", "ticket")
    graph.add_conditional_edges("ticket", after_ticket)
    graph.add_conditional_edges("admit", after_admit)
    graph.add_edge("queue", "admit")
    graph.add_conditional_edges("environment", after_environment)
    graph.add_conditional_edges("rca", after_rca)
    graph.add_conditional_edges("repair", after_repair)
    graph.add_conditional_edges("validate", after_validate)
    graph.add_conditional_edges("confirm", after_confirm)
    graph.add_conditional_edges("pull_request", after_pull_request)
    graph.add_conditional_edges("review", after_review)
    graph.add_conditional_edges("deploy", after_deploy)
    graph.add_conditional_edges("verify", after_verify)
    for end in ("close", "reopen", "escalate"):
        graph.add_edge(end, END)
    return graph
