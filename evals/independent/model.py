"""What a case spec is: a service's history as edits, its deploys, its alert and its fixes.

A spec never lands in the case folder as a whole: the generator writes the history into
build.sh and the hidden tests into judge/, while the known-good and the tempting wrong fix
stay here, in the spec, for `make_cases.py --check`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


class SpecError(ValueError):
    """A spec whose edits do not apply; the message names the file and the text."""


@dataclass(frozen=True)
class Edit:
    """Replace `old` (which must occur exactly once) by `new` in `path`."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class Write:
    """Create or overwrite `path` with `text`."""

    path: str
    text: str


@dataclass(frozen=True)
class Delete:
    path: str


Change = Edit | Write | Delete


@dataclass(frozen=True)
class Commit:
    message: str
    changes: tuple[Change, ...]
    author: str = "Dana Whitfield <dana@acme.test>"


@dataclass(frozen=True)
class Deploy:
    """A deploy of the newest commit so far at `at` (ISO 8601, UTC)."""

    at: str


Step = tuple[Commit, str] | Deploy


@dataclass
class Case:
    id: str
    title: str
    source: str  # sentry | pagerduty | ci
    kind: str  # e.g. "1 dict-key-rename", "7 decoy"
    position: str  # newest | older-deploy | latent | predates-history
    summary: str  # what the case tests, for the README
    steps: list[Step]
    culprit: Commit | None
    event_at: str  # first error (sentry/pagerduty) or CI completion time
    received_at: str
    judge: dict[str, str]
    good_fix: list[Edit]
    wrong_fix: list[Edit]
    wrong_fix_kind: str
    files: list[str]
    functions: list[str]
    crash: str = ""  # python statements run at head that raise (sentry/pagerduty)
    service: str = "app"
    tags: list[str] = field(default_factory=list)
    decoy: Commit | None = None
    first_error_at: str = ""  # when the errors started, when earlier than event_at
    issue_count: int = 14


def apply(files: dict[str, str], changes: tuple[Change, ...] | list[Edit],
          where: str = "") -> dict[str, str]:
    """The files after `changes`; SpecError when an edit's old text is not there once."""
    out = dict(files)
    for change in changes:
        if isinstance(change, Write):
            out[change.path] = change.text
        elif isinstance(change, Delete):
            if change.path not in out:
                raise SpecError(f"{where}: delete of missing {change.path}")
            del out[change.path]
        else:
            text = out.get(change.path)
            if text is None:
                raise SpecError(f"{where}: edit of missing {change.path}")
            found = text.count(change.old)
            if found != 1:
                raise SpecError(f"{where}: {change.path}: {change.old[:60]!r} "
                                f"occurs {found} times")
            out[change.path] = text.replace(change.old, change.new)
    return out


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def commits(case: Case) -> list[tuple[Commit, str]]:
    return [step for step in case.steps if not isinstance(step, Deploy)]


def snapshots(case: Case) -> list[dict[str, str]]:
    """The tree after each commit, in order."""
    trees: list[dict[str, str]] = []
    tree: dict[str, str] = {}
    for n, (commit, _) in enumerate(commits(case)):
        tree = apply(tree, commit.changes, f"{case.id} commit {n + 1}")
        trees.append(tree)
    return trees


def dedent(text: str) -> str:
    """Source text written indented inside a spec, without its common margin."""
    import textwrap

    return textwrap.dedent(text).lstrip("\n")


def ind(text: str, spaces: int) -> str:
    """`text` dedented, then indented by `spaces`: a block inside a function or class."""
    import textwrap

    return textwrap.indent(dedent(text), " " * spaces)
