"""rca: the crashing frame → file, function and line; the commit that broke it; the deploy."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.base import stage, text
from agent.rca.locate import map_frames
from agent.rca.suspects import blame_suspects
from agent.state import IncidentState, Location, RootCause
from tools import code_index, vcs
from tools.ports import Alert, Deploy


def running_deploy(deploys: list[Deploy], alert: Alert) -> Deploy | None:
    """The last deploy before the alert fired."""
    before = [d for d in deploys if d.deployed_at <= alert.occurred_at]
    return before[-1] if before else (deploys[-1] if deploys else None)


def explain(alert: Alert, rc: RootCause) -> str:
    loc = rc.location
    assert loc is not None
    words = [f"`{alert.exception_type}` is raised in `{loc.function}` ({loc.path}:{loc.line})."]
    if rc.suspects:
        top = rc.suspects[0]
        words.append(f"That line was last changed by `{top.sha[:10]}` \"{top.summary}\" "
                     f"({top.author.split(' <')[0]}, {top.date[:10]})"
                     + (f", which reached production in {top.deploy}." if top.deploy else "."))
    return " ".join(words)


@stage("rca")
def rca(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx, alert = runtime.context, state.alert
    assert alert is not None and state.ticket is not None
    repo = ctx.clone()
    base_sha = vcs.resolve(repo, alert.release) or vcs.resolve(
        repo, f"origin/{state.repo.default_branch}")
    if base_sha is None:
        return {"escalation": f"RCA could not find branch {state.repo.default_branch!r} "
                              f"or release {alert.release!r} in {state.repo.name}",
                "_summary": "no commit to analyse"}
    files = set(vcs.list_files(repo, base_sha))
    prefixes = state.repo.path_prefixes + ctx.settings.path_prefixes
    frames = map_frames(alert.frames, files, prefixes)
    crash = next((f for f in reversed(frames) if f.in_app and f.lineno), None)
    if crash is None or crash.repo_path is None or crash.lineno is None:
        reason = ("RCA had nothing to work on: the alert has no stack frame that maps to a file "
                  f"of {state.repo.name} ({len(alert.frames)} frame(s), none in the repository)")
        return {"escalation": reason, "_summary": "no in-app frame"}
    source = vcs.show_file(repo, base_sha, crash.repo_path) or ""
    lines = source.splitlines()
    symbol = code_index.function_at(source, crash.lineno)
    line_text = lines[crash.lineno - 1] if 0 < crash.lineno <= len(lines) else ""
    warnings = []
    if crash.context_line is not None and crash.context_line.strip() != line_text.strip():
        warnings.append(f"the running code differs from {base_sha[:10]} at "
                        f"{crash.repo_path}:{crash.lineno}: the event shows "
                        f"{crash.context_line.strip()!r}")
    location = Location(
        path=crash.repo_path, line=crash.lineno, source_line=line_text.rstrip(),
        function=symbol.qualname if symbol else "<module>",
        function_start=symbol.start_line if symbol else 1,
        function_end=symbol.end_line if symbol else len(lines),
    )
    deploys = ctx.deploys.deploys()
    suspects = blame_suspects(repo, base_sha, frames, deploys)
    confidence = 0.0
    if suspects:
        confidence = 0.8 if "the crashing line" in suspects[0].evidence[0] else 0.5
        confidence -= 0.3 if warnings else 0.0
    rc = RootCause(base_sha=base_sha, location=location, frames=frames, suspects=suspects,
                   running_deploy=running_deploy(deploys, alert), confidence=confidence,
                   warnings=warnings)
    rc.explanation = explain(alert, rc)
    ctx.tracker.comment(state.ticket.key, "**Root cause (alertfix)**\n\n" + text(
        "root_cause.md.j2", rc=rc))
    top = f", culprit {suspects[0].sha[:10]}" if suspects else ""
    return {"root_cause": rc,
            "_summary": f"{location.function} at {location.path}:{location.line}{top}"}
