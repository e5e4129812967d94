"""A worktree half made by a process killed with -9 must not break the clone's fetches."""

from __future__ import annotations

from pathlib import Path

import git

from tools import vcs


def test_a_half_made_worktree_is_forgotten_before_the_fetch(tmp_path: Path) -> None:
    origin = git.Repo.init(tmp_path / "origin", initial_branch="main")
    (tmp_path / "origin" / "a.txt").write_text("a\n")
    origin.index.add(["a.txt"])
    origin.index.commit("a")
    clone = vcs.clone(str(tmp_path / "origin"), tmp_path / "clone")
    clone.git.worktree("add", "--detach", str(tmp_path / "trees" / "half"), "HEAD")
    admin = Path(clone.git_dir) / "worktrees" / "half"
    (admin / "HEAD").write_text("0123456789abcdef0123456789abcdef01234567\n")  # killed mid-way
    again = vcs.clone(str(tmp_path / "origin"), tmp_path / "clone")  # fetches: must not fail
    assert not admin.exists()
    assert vcs.drop_broken_worktrees(again) == []
