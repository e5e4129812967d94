"""What one commit changed, line by line, and the pull request that brought it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import git

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_SQUASH = re.compile(r"\(#(\d+)\)\s*$")
_MERGE = re.compile(r"^Merge pull request #(\d+) from ")


@dataclass
class FileChange:
    path: str  # path after the commit ("" when the file was deleted)
    old_path: str  # path before ("" when the file was added)
    new_lines: set[int] = field(default_factory=set)  # post-image lines added or changed
    old_lines: set[int] = field(default_factory=set)  # pre-image lines removed or changed
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    hunks: list[tuple[list[str], list[str]]] = field(default_factory=list)  # (removed, added)


@dataclass
class CommitChange:
    sha: str
    parents: list[str]
    summary: str
    files: dict[str, FileChange]  # by path after the commit (old path for deletions)

    @property
    def is_root(self) -> bool:
        return not self.parents

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def lines_changed(self) -> int:
        return sum(len(f.added) + len(f.removed) for f in self.files.values())


def _parse(diff: str) -> dict[str, FileChange]:
    files: dict[str, FileChange] = {}
    current: FileChange | None = None
    old_no = new_no = 0
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            current = FileChange(path="", old_path="")
            continue
        if current is None:
            continue
        if line.startswith("rename from "):
            current.old_path = line[len("rename from "):]
        elif line.startswith("rename to "):  # a pure rename has no ---/+++ lines
            current.path = line[len("rename to "):]
            files[current.path] = current
        elif line.startswith("--- "):
            current.old_path = "" if line[4:] == "/dev/null" else line[6:]
        elif line.startswith("+++ "):
            current.path = "" if line[4:] == "/dev/null" else line[6:]
            files[current.path or current.old_path] = current
        elif match := _HUNK.match(line):
            old_no, new_no = int(match.group(1)), int(match.group(3))
            current.hunks.append(([], []))
            if match.group(4) == "0":
                current.new_lines.add(max(new_no, 1))  # a pure deletion sits at this line
            if match.group(2) == "0":
                old_no += 1
        elif line.startswith("+"):
            current.new_lines.add(new_no)
            current.added.append(line[1:])
            if current.hunks:
                current.hunks[-1][1].append(line[1:])
            new_no += 1
        elif line.startswith("-"):
            current.old_lines.add(old_no)
            current.removed.append(line[1:])
            if current.hunks:
                current.hunks[-1][0].append(line[1:])
            old_no += 1
    return files


@lru_cache(maxsize=4096)
def _commit_change(git_dir: str, sha: str) -> CommitChange:
    with git.Repo(git_dir) as repo:
        commit = repo.commit(sha)
        parents = [p.hexsha for p in commit.parents]
        # Against the first parent: for a merge that is everything the merged branch brought.
        args = ["-U0", "--no-color", "--no-ext-diff", "-M", "--src-prefix=a/", "--dst-prefix=b/"]
        if parents:
            diff = repo.git.diff(*args, parents[0], sha)
        else:
            diff = repo.git.show(*args, "--format=", sha)
        return CommitChange(sha=sha, parents=parents, summary=str(commit.summary),
                            files=_parse(diff))


def commit_change(repo: git.Repo, sha: str) -> CommitChange:
    """What `sha` changed against its first parent (cached: a commit never changes)."""
    return _commit_change(str(repo.git_dir), sha)


def pull_request_of(repo: git.Repo, sha: str, head: str) -> int | None:
    """The pull request that brought `sha` into `head`'s history, when the history says so:
    a squash-merge subject ending in `(#12)`, or the first merge commit "Merge pull request
    #12 from …" on the way from `sha` to `head`."""
    if match := _SQUASH.search(str(repo.commit(sha).summary)):
        return int(match.group(1))
    try:
        merges = repo.git.rev_list("--ancestry-path", "--merges", "--reverse",
                                   "--format=%s", f"{sha}..{head}").splitlines()
    except git.GitCommandError:
        return None
    for line in merges:
        if match := _MERGE.match(line):
            return int(match.group(1))
    return None
