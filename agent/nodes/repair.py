"""repair: candidate patches of the faulty function, and a regression test from the event."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.base import stage
from agent.repair.base import RepairInput
from agent.repair.regression import write_regression_test
from agent.repair.search import propose_candidates
from agent.state import IncidentState
from tools import vcs


def _test_dir(files: list[str]) -> str:
    """Where the repository keeps its tests, so the new one sits beside them."""
    for candidate in ("tests", "test"):
        if any(f.startswith(candidate + "/") for f in files):
            return candidate
    return ""


@stage("repair")
def repair(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, rc, alert = runtime.context, state.root_cause, state.alert
    assert rc is not None and rc.location is not None and alert is not None
    assert state.ticket is not None
    repo = ctx.clone()
    loc = rc.location
    source = vcs.show_file(repo, rc.base_sha, loc.path) or ""
    inp = RepairInput(path=loc.path, source=source, function=loc.function,
                      function_start=loc.function_start, function_end=loc.function_end,
                      line=loc.line, exception_type=alert.exception_type,
                      exception_message=alert.exception_message)
    candidates, notes = propose_candidates(inp, ctx.settings.max_candidates)
    sources = {f.repo_path: vcs.show_file(repo, rc.base_sha, f.repo_path) or ""
               for f in rc.frames if f.in_app and f.repo_path}
    regression = write_regression_test(alert, rc.frames, sources,
                                       _test_dir(vcs.list_files(repo, rc.base_sha)),
                                       state.ticket.key)
    if regression is None:
        notes.append("regression test: no in-app frame had all its arguments captured as values")
    update: dict[str, Any] = {"candidates": candidates, "repair_notes": notes,
                              "regression_test": regression,
                              "_summary": f"{len(candidates)} candidate(s)"}
    if not candidates:
        update["escalation"] = ("no repair strategy produced a candidate for "
                                f"{alert.exception_type} in {loc.function}: " + "; ".join(notes))
    return update
