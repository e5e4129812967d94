"""What a blind case is: commits of a small service, the alert's trigger, the hidden judge,
the known-good fix and the wrong fixes the judge must refuse."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SOURCES = ("sentry", "ci")


@dataclass(frozen=True)
class Commit:
    message: str
    author: str  # "Name <email>"
    date: str  # ISO 8601 with offset: author and committer date
    files: dict[str, str | None]  # path -> full new text; None deletes the file
    deploy: str | None = None  # tagger date of a `deploy-<n>` tag on this commit


@dataclass(frozen=True)
class Edit:
    """Replace `old` by `new` in `path`; `count` is how often `old` must occur (all replaced)."""

    path: str
    old: str
    new: str
    count: int = 1

    def apply(self, root: Path) -> None:
        target = root / self.path
        text = target.read_text(encoding="utf-8")
        found = text.count(self.old)
        if found != self.count:
            raise ValueError(f"{self.path}: {self.old!r} occurs {found}x, expected {self.count}")
        target.write_text(text.replace(self.old, self.new), encoding="utf-8")


@dataclass(frozen=True)
class WrongFix:
    """A patch a reviewer must reject: it silences the alert (the crash, or the visible
    failing test) but is not the fix. `why` says what it gets wrong."""

    why: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    source: str  # sentry | ci
    service: str  # repository name, and the Sentry project
    received_at: str
    tags: tuple[str, ...]
    commits: tuple[Commit, ...]
    culprit: int  # 1-based index into commits
    files: tuple[str, ...]
    functions: tuple[str, ...]
    judge: str  # judge/test_judge.py
    fix: tuple[Edit, ...]
    wrong_fixes: tuple[WrongFix, ...]
    crash: str = ""  # sentry: Python run at the repository root that raises at head
    summary: dict[str, str] = field(default_factory=dict)  # bug / fix / trap, for `list`

    def validate(self) -> None:
        assert self.id.startswith("blind-"), self.id
        assert self.source in SOURCES, self.source
        assert 1 <= self.culprit <= len(self.commits), self.id
        assert self.commits[-1].deploy, f"{self.id}: the head must be deployed"
        assert (self.source == "sentry") == bool(self.crash), self.id
        assert self.wrong_fixes, f"{self.id}: no wrong fix to refuse"
        assert set(self.summary) == {"bug", "fix", "trap"}, self.id
