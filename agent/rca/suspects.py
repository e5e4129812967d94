"""Suspect commits: who last changed the crashing code, and which deploy shipped it."""

from __future__ import annotations

import git

from agent.state import Suspect
from tools import vcs
from tools.ports import Deploy, Frame


def blame_suspects(repo: git.Repo, base_sha: str, frames: list[Frame],
                   deploys: list[Deploy]) -> list[Suspect]:
    """Rank the commits that last touched each in-app stack line; the crashing line counts most."""
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    in_app = [f for f in frames if f.in_app and f.repo_path and f.lineno]
    for depth, frame in enumerate(reversed(in_app)):  # crash frame first
        assert frame.repo_path and frame.lineno
        sha = vcs.blame_line(repo, base_sha, frame.repo_path, frame.lineno)
        if not sha:
            continue
        weight = 1.0 if depth == 0 else 0.5 / depth
        scores[sha] = scores.get(sha, 0.0) + weight
        what = "the crashing line" if depth == 0 else f"a line on the stack (`{frame.function}`)"
        evidence.setdefault(sha, []).append(
            f"last changed {what}, {frame.repo_path}:{frame.lineno}")
    suspects = []
    for sha, score in sorted(scores.items(), key=lambda item: -item[1]):
        info = vcs.commit_summary(repo, sha)
        shipped = vcs.deploy_containing(repo, deploys, sha)
        lines = evidence[sha]
        if shipped:
            lines.append(f"shipped in {shipped.name} at "
                         f"{shipped.deployed_at.strftime('%Y-%m-%d %H:%M UTC')}")
        suspects.append(Suspect(sha=sha, summary=info["summary"], author=info["author"],
                                date=info["date"], score=round(score, 3), evidence=lines,
                                deploy=shipped.name if shipped else None))
    return suspects
