"""How natural a change looks, and the order candidates are preferred in.

Naturalness is the share of the added lines' token trigrams the repository already uses
(`coupon.get("min_total", 0)` next to other `.get(..., 0)` reads), plus a bonus for putting
back what the culprit commit removed. On equal size a template beats a partial revert, which
beats a mutation; the full revert comes last.
"""

from __future__ import annotations

import difflib
import io
import itertools
import re
import tokenize
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from agent.repair.base import RepairInput, change_size
from agent.repair.classify import FOLLOWS_CULPRIT
from agent.state import Candidate

REVERT_BONUS = 0.5  # a revert restores code its authors wrote: natural by construction

_WORD = re.compile(r"\w+|[^\w\s]")


def _tokens(text: str) -> list[str]:
    try:
        return [t.string for t in tokenize.generate_tokens(io.StringIO(text).readline)
                if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                  tokenize.DEDENT, tokenize.COMMENT, tokenize.ENDMARKER)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return _WORD.findall(text)


def _grams(tokens: list[str]) -> list[tuple[str, ...]]:
    """Token trigrams; a line too short for one is a single gram of its own length."""
    if len(tokens) < 3:
        return [tuple(tokens)] if tokens else []
    return list(zip(tokens, tokens[1:], tokens[2:], strict=False))


def trigrams(sources: Iterable[str]) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for source in sources:
        for line in source.splitlines():
            tokens = _tokens(line.strip())
            found.update(_grams(tokens))
            found.update(itertools.pairwise(tokens))  # for short added lines
    return found


def removed_by_culprit(inp: RepairInput) -> set[str]:
    """Literal tokens the culprit took out of the faulty file: putting one back is natural."""
    if inp.culprit is None or inp.path not in inp.culprit.files:
        return set()
    parent, after, _ = inp.culprit.files[inp.path]
    before, now = (parent or "").splitlines(), (after or "").splitlines()
    removed: set[str] = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, now,
                                                       autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            kept = {t for line in now[j1:j2] for t in _tokens(line.strip())}
            removed |= {t for line in before[i1:i2] for t in _tokens(line.strip())
                        if t not in kept and t[:1] in "\"'0123456789"}
    return removed


def naturalness(candidate: Candidate, corpus: set[tuple[str, ...]],
                restored: AbstractSet[str] = frozenset()) -> float:
    """The share of the added lines' token trigrams that the repository already uses, plus a
    bonus for putting back what the culprit removed (a revert, or one of its values)."""
    added = [line[1:].strip() for line in candidate.diff.splitlines()
             if line.startswith("+") and not line.startswith("+++")]
    grams = [g for line in added for g in _grams(_tokens(line))]
    score = sum(g in corpus for g in grams) / len(grams) if grams else 1.0
    if candidate.strategy.startswith("revert:") or any(
            t in restored for line in added for t in _tokens(line)):
        score += REVERT_BONUS
    return round(score, 3)


# On equal size: what repeats the culprit's own change (most specific first), then the other
# templates, a partial revert (it keeps what the culprit meant to do), a mutation; a full
# revert comes last.
PREFERENCE = (*FOLLOWS_CULPRIT, "template:", "revert:", "mutation")


def preference(candidate: Candidate) -> int:
    if candidate.full_revert:
        return len(PREFERENCE)
    return next((rank for rank, prefix in enumerate(PREFERENCE)
                 if candidate.strategy.startswith(prefix)), len(PREFERENCE))


def ranking(candidate: Candidate) -> tuple[bool, int, int, float]:
    """A fix before any mitigation; then the smallest, the most preferred, the most natural."""
    return (candidate.fix_class == "mitigation", _size(candidate),
            preference(candidate), -candidate.naturalness)


def _size(candidate: Candidate) -> int:
    """The diff's size, less the files that only repeat the main file's change."""
    if not candidate.repeated_in:
        return change_size(candidate.diff)
    blocks = re.split(r"(?m)^(?=--- a/)", candidate.diff)
    return change_size("".join(b for b in blocks if not any(
        b.startswith(f"--- a/{path}\n") for path in candidate.repeated_in)))
