"""The embedded forge: a bare git repository used as `origin`, and pull requests in SQLite.

alertfix only pushes `alertfix/...` branches and opens pull requests here. `merge()` and
`reject()` are what a human reviewer does (`alertfix approve` / `alertfix reject` call them
on the reviewer's behalf); no node of the graph calls them.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import git

from tools import vcs
from tools.local_db import transaction
from tools.ports import ForgeNotFound, ForgeRefused, PullRequestDraft, PullRequestInfo

BRANCH_PREFIX = "alertfix/"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pull_requests (
  number INTEGER PRIMARY KEY AUTOINCREMENT, repo TEXT NOT NULL,
  branch TEXT NOT NULL, base TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL,
  labels TEXT NOT NULL, status TEXT NOT NULL, head_sha TEXT NOT NULL,
  merge_commit TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  draft INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS pr_comments (
  id INTEGER PRIMARY KEY AUTOINCREMENT, number INTEGER NOT NULL, body TEXT NOT NULL,
  created_at TEXT NOT NULL);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


class LocalForge:
    def __init__(self, home: Path, name: str, default_branch: str = "main") -> None:
        self.home = home
        self.name = name
        self.default_branch = default_branch
        self.bare_path = home / "forge" / f"{name}.git"
        self.db_path = home / "forge.db"
        home.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(pull_requests)")}
            if "draft" not in columns:  # a forge.db from before drafts
                db.execute("ALTER TABLE pull_requests ADD COLUMN draft INTEGER NOT NULL DEFAULT 0")

    @classmethod
    def import_repository(cls, home: Path, source: Path, name: str | None = None,
                          default_branch: str = "main") -> LocalForge:
        """A forge whose origin mirrors `source`; created once, then fetched (fast-forward only)."""
        forge = cls(home, name or source.resolve().name.removesuffix(".git"), default_branch)
        if not forge.bare_path.exists():
            forge.bare_path.parent.mkdir(parents=True, exist_ok=True)
            with git.Repo.clone_from(str(source.resolve()), forge.bare_path,
                                     mirror=True) as bare:
                bare.git.remote("remove", "origin")
        else:
            # Only new history: a merge done here must never be overwritten by the source.
            # When they diverged the forge's history wins: the source is a seed, not a mirror.
            with git.Repo(forge.bare_path) as bare, contextlib.suppress(git.GitCommandError):
                bare.git.fetch(str(source.resolve()),
                               f"refs/heads/{default_branch}:refs/heads/{default_branch}",
                               "refs/tags/*:refs/tags/*")
        return forge

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.db_path)

    def clone_url(self) -> str:
        return str(self.bare_path)

    def sync(self, dest: Path) -> None:
        vcs.clone(self.clone_url(), dest).close()

    def _info(self, row: sqlite3.Row) -> PullRequestInfo:
        return PullRequestInfo(
            number=row["number"], branch=row["branch"], base=row["base"], title=row["title"],
            status=row["status"], url=f"alertfix://forge/{self.name}/pulls/{row['number']}",
            head_sha=row["head_sha"], merge_commit=row["merge_commit"], draft=bool(row["draft"]),
        )

    def push_branch(self, workdir: Path, branch: str) -> None:
        if branch == self.default_branch or not branch.startswith(BRANCH_PREFIX):
            raise ForgeRefused(f"alertfix pushes only {BRANCH_PREFIX}* branches, not {branch!r}")
        # Forced because a retry with a better patch replaces alertfix's own branch.
        with git.Repo(workdir) as repo:
            repo.git.push(self.clone_url(), f"+refs/heads/{branch}:refs/heads/{branch}")
        with self._connect() as db:
            db.execute(
                "UPDATE pull_requests SET head_sha = ?, updated_at = ?"
                " WHERE repo = ? AND branch = ? AND status = 'open'",
                (self._branch_sha(branch), _now(), self.name, branch),
            )

    def _branch_sha(self, branch: str) -> str:
        with git.Repo(self.bare_path) as bare:
            return vcs.resolve(bare, f"refs/heads/{branch}") or ""

    def open_pull_request(self, draft: PullRequestDraft) -> PullRequestInfo:
        head = self._branch_sha(draft.branch)
        if not head:
            raise ForgeRefused(f"branch {draft.branch!r} was not pushed")
        existing = self.find_pull_request(draft.branch)
        with self._connect() as db:
            if existing and existing.status == "open":
                db.execute(
                    "UPDATE pull_requests SET title = ?, body = ?, labels = ?, head_sha = ?,"
                    " updated_at = ?, draft = ? WHERE number = ?",
                    (draft.title, draft.body, ",".join(draft.labels), head, _now(),
                     int(draft.draft), existing.number),
                )
                number = existing.number
            else:
                number = int(db.execute(
                    "INSERT INTO pull_requests (repo, branch, base, title, body, labels, status,"
                    " head_sha, created_at, updated_at, draft)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
                    (self.name, draft.branch, draft.base, draft.title, draft.body,
                     ",".join(draft.labels), head, _now(), _now(), int(draft.draft)),
                ).lastrowid or 0)
        return self.get_pull_request(number)

    def find_pull_request(self, branch: str) -> PullRequestInfo | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM pull_requests WHERE repo = ? AND branch = ?"
                " ORDER BY status = 'open' DESC, number DESC LIMIT 1",
                (self.name, branch),
            ).fetchone()
        return self._info(row) if row else None

    def get_pull_request(self, number: int) -> PullRequestInfo:
        with self._connect() as db:
            row = db.execute("SELECT * FROM pull_requests WHERE number = ? AND repo = ?",
                             (number, self.name)).fetchone()
        if row is None:
            raise ForgeNotFound(f"no pull request #{number} in {self.name}")
        return self._info(row)

    def body(self, number: int) -> str:
        with self._connect() as db:
            row = db.execute("SELECT body FROM pull_requests WHERE number = ?",
                             (number,)).fetchone()
        return str(row["body"]) if row else ""

    def comment(self, number: int, body: str) -> None:
        self.get_pull_request(number)
        with self._connect() as db:
            db.execute("INSERT INTO pr_comments (number, body, created_at) VALUES (?, ?, ?)",
                       (number, body, _now()))

    def comments(self, number: int) -> list[str]:
        with self._connect() as db:
            rows = db.execute("SELECT body FROM pr_comments WHERE number = ? ORDER BY id",
                              (number,)).fetchall()
        return [str(r["body"]) for r in rows]

    def open_pull_requests(self) -> list[PullRequestInfo]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM pull_requests WHERE repo = ? AND status = 'open'",
                              (self.name,)).fetchall()
        return [self._info(r) for r in rows]

    # ------------------------------------------------ the reviewer's actions, not the agent's

    def merge(self, number: int, reviewer: str = "reviewer") -> PullRequestInfo:
        """Merge the PR into its base with a merge commit, as a human reviewer would."""
        pr = self.get_pull_request(number)
        if pr.status != "open":
            return pr
        scratch = Path(tempfile.mkdtemp(prefix="merge-"))
        with git.Repo(self.bare_path) as bare:
            try:
                bare.git.worktree("add", str(scratch / "wt"), pr.base)
                env = {"GIT_AUTHOR_NAME": reviewer, "GIT_AUTHOR_EMAIL": f"{reviewer}@localhost",
                       "GIT_COMMITTER_NAME": reviewer,
                       "GIT_COMMITTER_EMAIL": f"{reviewer}@localhost"}
                with git.Repo(scratch / "wt") as wt:
                    try:
                        wt.git.merge("--no-ff", pr.branch, "-m",
                                     f"Merge pull request #{number} from {pr.branch}", env=env)
                    except git.GitCommandError as exc:
                        raise ForgeRefused(
                            f"#{number} does not merge cleanly into {pr.base}") from exc
                    merge_sha = wt.head.commit.hexsha
            finally:
                bare.git.worktree("remove", "--force", str(scratch / "wt"))
                shutil.rmtree(scratch, ignore_errors=True)
        with self._connect() as db:
            db.execute("UPDATE pull_requests SET status = 'merged', merge_commit = ?,"
                       " updated_at = ? WHERE number = ?", (merge_sha, _now(), number))
        return self.get_pull_request(number)

    def reject(self, number: int) -> PullRequestInfo:
        with self._connect() as db:
            db.execute("UPDATE pull_requests SET status = 'closed', updated_at = ?"
                       " WHERE number = ? AND status = 'open'", (_now(), number))
        return self.get_pull_request(number)
