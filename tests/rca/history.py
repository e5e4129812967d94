"""Build small git histories with known culprits, and the alerts their faults raise."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import git

from tools.ports import Alert, Deploy, Frame
from tools.vcs import TagDeployHistory

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class History:
    """A repository written commit by commit, an hour apart, with `deploy-<n>` tags."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = START
        self.files: dict[str, str] = {}
        self._git("init", "-q", "-b", "main", str(path), cwd=path.parent)
        self.repo = git.Repo(path)

    def _git(self, *args: str, cwd: Path | None = None, when: datetime | None = None,
             author: str = "Ana Duarte") -> str:
        stamp = (when or self.clock).isoformat()
        email = author.lower().replace(" ", ".") + "@acme.dev"
        env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
               "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email,
               "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": email,
               "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        done = subprocess.run(["git", *args], cwd=cwd or self.path, env=env, check=True,
                              capture_output=True, text=True)
        return done.stdout.strip()

    def commit(self, message: str, files: dict[str, str | None],
               author: str = "Ana Duarte") -> str:
        self.clock += timedelta(hours=1)
        for rel, body in files.items():
            target = self.path / rel
            if body is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body)
        self._git("add", "-A")
        self._git("commit", "-q", "--allow-empty", "-m", message, author=author)
        return self._git("rev-parse", "HEAD")

    def edit(self, message: str, path: str, old: str, new: str,
             author: str = "Ana Duarte") -> str:
        text = (self.path / path).read_text()
        assert text.count(old) == 1, f"{old!r} in {path}"
        return self.commit(message, {path: text.replace(old, new)}, author)

    def branch(self, name: str) -> None:
        self._git("checkout", "-q", "-b", name)

    def checkout(self, name: str) -> None:
        self._git("checkout", "-q", name)

    def merge(self, branch: str, number: int) -> str:
        self.clock += timedelta(hours=1)
        self._git("merge", "-q", "--no-ff", "-m",
                  f"Merge pull request #{number} from acme/{branch}", branch)
        return self._git("rev-parse", "HEAD")

    def deploy(self) -> Deploy:
        self.clock += timedelta(minutes=30)
        return TagDeployHistory(self.path).record(self.head, when=self.clock)

    @property
    def head(self) -> str:
        return self._git("rev-parse", "HEAD")

    def deploys(self) -> list[Deploy]:
        return TagDeployHistory(self.path).deploys()

    def line_of(self, path: str, text: str) -> int:
        lines = (self.path / path).read_text().splitlines()
        return next(i for i, line in enumerate(lines, 1) if text in line)

    def frame(self, path: str, function: str, text: str, prefix: str = "/srv/app/") -> Frame:
        """The frame a Sentry event would carry for the line holding `text` at head."""
        line = self.line_of(path, text)
        source = (self.path / path).read_text().splitlines()[line - 1]
        return Frame(filename=path, abs_path=prefix + path,
                     module=path.removesuffix(".py").replace("/", "."), function=function,
                     lineno=line, context_line=source)

    def alert(self, exception_type: str, message: str, frames: list[Frame],
              hours_after: float = 1.0) -> Alert:
        return Alert(source="sentry", environment="production", release=self.head,
                     exception_type=exception_type, exception_message=message,
                     title=f"{exception_type}: {message}", frames=frames, fingerprint="f",
                     occurred_at=self.clock + timedelta(hours=hours_after))
