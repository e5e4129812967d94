"""Fix or mitigation: what a candidate does to the behaviour, read from its diff.

A *fix* makes the code do what it was meant to (read the renamed key, convert the type,
handle the new contract). A *mitigation* only stops the error: a default for a missing value,
a guard with an early return, an `except`, a clamp, a `raise` taken out. Mitigations are
labelled, rank below every passing fix, and never invent data: a default is allowed only
where it is neutral (an empty collection, None for "no value", a value the code had).
`x.get("user", 0)` would make every record user 0; it is not proposed at all.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Literal

from agent.state import Candidate

# Strategies that repeat the culprit's own change (most specific first): fixes by construction.
FOLLOWS_CULPRIT = ("template:complete-rename", "template:restore-contract",
                   "template:missed-call-site")
# Strategies whose every candidate stops the error without correcting the behaviour.
MITIGATION_STRATEGIES = {
    "template:key-get": "a missing key is read as a default instead of raising",
    "template:none-guard": "a None value is skipped or replaced instead of raising",
    "template:bounds-check": "an index past the end yields a default instead of raising",
    "template:empty-collection": "an empty collection yields a default instead of raising",
    "template:blank-string": "a blank value is read as zero or nothing instead of raising",
}
NEUTRAL = {"[]", "{}", "()", "set()", "list()", "dict()", "tuple()", "frozenset()"}

_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*except\b"), "an exception is caught instead of raised"),
    (re.compile(r"\.get\([^()]*,\s*[^()]+\)"), "a missing key is read as a default"),
    (re.compile(r"\bif\b.+\bis not None else\b"), "a None value is replaced by a default"),
    (re.compile(r"\b(max|min)\(.*\bdefault\s*="), "an empty input yields a default"),
    (re.compile(r"\bif\b.+\bis None\s*:\s*$"), "the work is skipped when a value is None"),
    (re.compile(r"^\s*if not \w[\w.]*\s*:\s*$"), "the work is skipped when a value is empty"),
    (re.compile(r"^\s*(el)?if\b.+\band [\w.]+ is not None\s*:\s*$"),
     "the work is skipped when a value is None"),
)
_DEFAULTS = (
    re.compile(r"\.get\([^()]*,\s*(?P<d>[^()]+)\)"),
    re.compile(r"\belse\s+(?P<d>[^\s)]+)\s*\)?\s*$"),
    re.compile(r"\bdefault\s*=\s*(?P<d>[^,)]+)"),
    re.compile(r"\bor\s+(?P<d>[^\s)]+)\s*\)?\s*$"),
)


@dataclass(frozen=True)
class Classification:
    fix_class: Literal["fix", "mitigation"]
    masks: str = ""  # what a mitigation hides
    invents: str = ""  # why a mitigation would invent data (it is then not proposed)


def _lines(diff: str, sign: str) -> list[str]:
    return [line[1:] for line in diff.splitlines()
            if line.startswith(sign) and not line.startswith(sign * 3)]


def classify(strategy: str, diff: str, restored: AbstractSet[str] = frozenset()) -> Classification:
    """`restored`: literals the culprit removed; putting one back as a default is the value
    the code had before, not an invented one."""
    added, removed = _lines(diff, "+"), _lines(diff, "-")
    masks = MITIGATION_STRATEGIES.get(strategy, "")
    if not masks and not strategy.startswith(("revert:", *FOLLOWS_CULPRIT)):
        for pattern, what in _SHAPES:
            if any(pattern.search(line) for line in added) and not any(
                    pattern.search(line) for line in removed):
                masks = what
                break
        raised = sum(line.strip().startswith("raise") for line in removed)
        if not masks and raised > sum(line.strip().startswith("raise") for line in added):
            masks = "an error is no longer raised"
    if not masks:
        return Classification("fix")
    defaults = [(line, found.group("d").strip()) for line in added for pattern in _DEFAULTS
                if (found := pattern.search(line)) is not None]
    if defaults and all(d in restored for _, d in defaults):
        return Classification("fix")  # falls back to the value the code had before the culprit
    return Classification("mitigation", masks, _invents(defaults, removed, restored))


def _invents(defaults: list[tuple[str, str]], removed: list[str],
             restored: AbstractSet[str]) -> str:
    """Why the mitigation's default (each with its added line) would be made-up data, or ""
    when it is neutral: an empty collection, None (no value, which the caller must handle), a
    value the code already used there, or one the culprit removed."""
    for line, default in defaults:
        if line in removed or default in NEUTRAL or default == "None" or default in restored \
                or any(default in old for old in removed):
            continue
        return f"its default {default} would stand in for a real value"
    return ""


_OPTIONAL_READ = re.compile(r"^\s*(?P<var>\w+)\s*=\s*[\w.]+\.get\([^,()]+\)\s*$")


def handles_missing(candidate: Candidate) -> bool:
    """`tier = customer.get("tier")` where the code after it already deals with no value
    (`DISCOUNTS.get(tier, 1.0)`, `if tier is None`): the key is optional and the function
    already says what happens without it, so reading it leniently is the fix."""
    for line in _lines(candidate.diff, "+"):
        found = _OPTIONAL_READ.match(line)
        if found is None:
            continue
        var = re.escape(found.group("var"))
        after = candidate.new_source.split(line, 1)[-1]
        if re.search(rf"\.get\(\s*{var}\s*,|\b{var} is (not )?None\b|\bif not {var}\b"
                     rf"|\b{var} or\b", after):
            return True
    return False


def label(candidates: list[Candidate], restored: AbstractSet[str]) -> tuple[list[Candidate],
                                                                            list[str]]:
    """Each candidate with its class set; mitigations that would invent data left out, each
    with a note saying why."""
    kept: list[Candidate] = []
    notes: list[str] = []
    for candidate in candidates:
        kind = classify(candidate.strategy, candidate.diff, restored)
        if kind.fix_class == "mitigation" and handles_missing(candidate):
            kind = Classification("fix")
        if kind.invents:
            notes.append(f"{candidate.strategy}: not proposed, a mitigation that would invent "
                         f"data ({kind.invents}): {candidate.description}")
            continue
        candidate.fix_class, candidate.masks = kind.fix_class, kind.masks
        kept.append(candidate)
    return kept, notes
