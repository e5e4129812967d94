"""environment: the repository's own environment (its interpreter, dependencies and pytest)
and its test command, found in the cache or built before any test runs. A build that fails
escalates with the installer's own error.

The dependencies are those of the default branch's head (which commit is running is known
only after RCA); validate checks the base commit's dependency files again, and rebuilds in
the rare case they differ."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.environment import describe, prepare
from agent.nodes.base import plain, stage
from agent.state import IncidentState
from tools import vcs
from tools.repo_env import EnvBuildError


def build_failure(exc: EnvBuildError) -> str:
    """The escalation for a failed build: what failed, then the installer's own words."""
    output = plain(exc.output.strip())
    return (f"the repository's test environment could not be built: {exc}"
            + (f"\n\n```\n{output}\n```" if output else ""))


@stage("environment")
def environment(state: IncidentState, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    repo = ctx.clone()
    worktrees = ctx.settings.home / "worktrees"
    worktrees.mkdir(parents=True, exist_ok=True)
    head = repo.commit(f"origin/{state.repo.default_branch}").hexsha
    with vcs.worktree(repo, head, parent=worktrees) as workdir:
        try:
            env = prepare(ctx, state, workdir)
        except EnvBuildError as exc:
            return {"escalation": build_failure(exc), "_summary": f"build failed: {exc}"}
    # The notes (an interpreter that is not installed, pytest that alertfix added, the
    # service chosen) stay on `environment` for the PR, and are said in the timeline.
    return {"environment": env, "_summary": "; ".join([describe(env), *env.notes])}
