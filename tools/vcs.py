"""Git operations through GitPython: clones, worktrees, blame, commits and deploy tags."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import git

from tools.ports import Deploy

BOT_NAME = "alertfix"
BOT_EMAIL = "alertfix@localhost"
_DEPLOY_TAG = re.compile(r"^deploy-(\d+)$")


def open_repo(path: Path) -> git.Repo:
    """The repository at `path`; use it as a context manager, so that it is closed."""
    return git.Repo(path)


def clone(url: str, dest: Path, *, bare: bool = False) -> git.Repo:
    """Clone `url` into `dest`, or fetch into the clone already there. The caller closes the
    Repo (`with vcs.clone(...) as repo:`): an open one keeps `git cat-file` processes."""
    if (dest / ("HEAD" if bare else ".git")).exists():
        repo = git.Repo(dest)
        drop_broken_worktrees(repo)
        repo.git.fetch("origin", "--prune", "--tags", "--force")
        return repo
    dest.parent.mkdir(parents=True, exist_ok=True)
    return git.Repo.clone_from(url, dest, bare=bare, no_hardlinks=True)


def drop_broken_worktrees(repo: git.Repo) -> list[str]:
    """Forget the worktrees a killed process left half made (a HEAD naming no commit):
    every later fetch would fail on them. Returns their names."""
    admin = Path(repo.git_dir) / "worktrees"
    dropped = []
    for entry in sorted(admin.iterdir()) if admin.is_dir() else []:
        head = entry / "HEAD"
        ref = head.read_text().strip().removeprefix("ref: ") if head.exists() else ""
        if ref.startswith("refs/") or (ref and resolve(repo, ref)):
            continue  # a branch (perhaps not made yet) or a commit that exists
        shutil.rmtree(entry, ignore_errors=True)
        dropped.append(entry.name)
    if dropped:
        repo.git.worktree("prune")
    return dropped


def resolve(repo: git.Repo, rev: str) -> str | None:
    """The full sha of `rev` (sha prefix, branch, tag), or None when it is unknown."""
    if not rev:
        return None
    try:
        return repo.git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}").strip() or None
    except git.GitCommandError:
        return None


def show_file(repo: git.Repo, sha: str, path: str) -> str | None:
    try:
        return str(repo.git.show(f"{sha}:{path}", strip_newline_in_stdout=False))
    except git.GitCommandError:
        return None


def list_files(repo: git.Repo, sha: str) -> list[str]:
    return [p for p in repo.git.ls_tree("-r", "--name-only", sha).splitlines() if p]


def blame_line(repo: git.Repo, sha: str, path: str, line: int) -> str | None:
    """The commit that last changed `line` (1-based) of `path` as of `sha`."""
    try:
        out = repo.git.blame("--porcelain", "-L", f"{line},{line}", sha, "--", path)
    except git.GitCommandError:
        return None
    first = out.split(" ", 1)[0]
    return first if len(first) == 40 else None


def commit_summary(repo: git.Repo, sha: str) -> dict[str, str]:
    commit = repo.commit(sha)
    return {
        "sha": commit.hexsha,
        "summary": str(commit.summary),
        "author": f"{commit.author.name} <{commit.author.email}>",
        "date": commit.committed_datetime.astimezone(UTC).isoformat(),
    }


@contextlib.contextmanager
def worktree(repo: git.Repo, sha: str, parent: Path | None = None) -> Iterator[Path]:
    """A detached worktree of `sha` in a fresh directory, removed afterwards.

    Validation and bisection run here, never in a checkout a person uses.
    """
    base = Path(tempfile.mkdtemp(prefix="wt-", dir=parent))
    path = base / "repo"
    repo.git.worktree("add", "--detach", "--force", str(path), sha)
    try:
        yield path
    finally:
        with contextlib.suppress(git.GitCommandError):
            repo.git.worktree("remove", "--force", str(path))
        shutil.rmtree(base, ignore_errors=True)
        with contextlib.suppress(git.GitCommandError):
            repo.git.worktree("prune")


def commit_on_branch(
    repo: git.Repo, branch: str, base_sha: str, files: dict[str, str], message: str
) -> str:
    """Commit `files` (path → new text) on top of `base_sha` as `branch`; returns the sha.

    Idempotent: when the branch already holds exactly this change, its head is returned.
    """
    with worktree(repo, base_sha) as path:
        for rel, text in files.items():
            target = path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        env = {
            "GIT_AUTHOR_NAME": BOT_NAME, "GIT_AUTHOR_EMAIL": BOT_EMAIL,
            "GIT_COMMITTER_NAME": BOT_NAME, "GIT_COMMITTER_EMAIL": BOT_EMAIL,
        }
        with git.Repo(path) as wt:
            wt.git.add("--", *files)
            wt.git.commit("-m", message, "--no-verify", env=env)
            sha = wt.head.commit.hexsha
    existing = resolve(repo, f"refs/heads/{branch}")
    if existing and repo.commit(existing).tree == repo.commit(sha).tree:
        return existing
    repo.git.branch("--force", branch, sha)
    return sha


def changed_files(repo: git.Repo, sha: str) -> list[str]:
    return [p for p in repo.git.diff_tree("--no-commit-id", "--name-only", "-r", "--root", sha)
            .splitlines() if p]


class TagDeployHistory:
    """Deploys from annotated `deploy-<n>` tags: the tagger date is the deploy time and the
    first line of the message is `environment=<name>`."""

    def __init__(self, repo_path: Path) -> None:
        self.repo_path = repo_path

    def deploys(self, environment: str | None = None) -> list[Deploy]:
        with git.Repo(self.repo_path) as repo:
            return self._deploys(repo, environment)

    def _deploys(self, repo: git.Repo, environment: str | None) -> list[Deploy]:
        found: list[tuple[int, Deploy]] = []
        for tag in repo.tags:
            match = _DEPLOY_TAG.match(tag.name)
            if not match or tag.tag is None:  # lightweight tags carry no date: not a deploy
                continue
            message = (tag.tag.message or "").strip().splitlines()
            env = "production"
            if message and message[0].startswith("environment="):
                env = message[0].split("=", 1)[1].strip() or env
            if environment and env != environment:
                continue
            when = datetime.fromtimestamp(tag.tag.tagged_date, UTC)
            found.append((int(match.group(1)), Deploy(
                name=tag.name, sha=tag.commit.hexsha, environment=env, deployed_at=when)))
        return [d for _, d in sorted(found, key=lambda item: item[0])]

    def record(self, sha: str, environment: str = "production",
               when: datetime | None = None) -> Deploy:
        """Tag `sha` as the next deploy, as a CD system would in the embedded setup."""
        with git.Repo(self.repo_path) as repo:
            numbers = [int(m.group(1)) for t in repo.tags if (m := _DEPLOY_TAG.match(t.name))]
            name = f"deploy-{max(numbers, default=0) + 1}"
            when = when or datetime.now(UTC)
            env = {"GIT_COMMITTER_NAME": BOT_NAME, "GIT_COMMITTER_EMAIL": BOT_EMAIL,
                   "GIT_COMMITTER_DATE": when.isoformat()}
            repo.git.tag("-a", name, sha, "-m", f"environment={environment}", env=env)
        return Deploy(name=name, sha=sha, environment=environment,
                      deployed_at=when.replace(microsecond=0))


def deploy_containing(repo: git.Repo, deploys: list[Deploy], sha: str) -> Deploy | None:
    """The first deploy whose commit has `sha` in its history: the one that shipped it."""
    for deploy in deploys:
        if resolve(repo, deploy.sha) and repo.is_ancestor(repo.commit(sha),
                                                          repo.commit(deploy.sha)):
            return deploy
    return None
