"""Partial revert: only the culprit's hunks inside the faulty function come back; the full
revert is the last resort, labelled, and here it would take a feature away."""

from __future__ import annotations

import textwrap

from agent.repair.base import CulpritChange, Decline, RepairInput
from agent.repair.revert import (
    apply_hunks,
    culprit_hunks,
    propose_full,
    propose_partial,
    propose_restore,
)
from tests.repair.helpers import call, load, make_input, search_with

PARENT = textwrap.dedent('''
    COUPONS = {"WELCOME10": {"value": 10}}


    def apply_coupon(total, code):
        coupon = COUPONS.get(code)
        if coupon is None:
            return total
        if total < coupon.get("min_total", 0):
            return total
        return round(total * (100 - coupon["value"]) / 100, 2)
''').lstrip()

# The culprit ships a feature (gift wrap) and, in the same commit, the bug.
CULPRIT = PARENT.replace('coupon.get("min_total", 0)', 'coupon["min_total"]') + textwrap.dedent('''


    def gift_wrap_fee(items):
        return 2.5 * len(items)
''')

# Since then someone added a docstring at the top: every line moved down.
BASE = '"""Cart totals."""\n\n' + CULPRIT


def inputs() -> tuple[CulpritChange, RepairInput]:
    culprit = CulpritChange(sha="c" * 40, summary="Gift wrap; explicit minimum order",
                            files={"pkg/mod.py": (PARENT, CULPRIT, BASE)})
    inp = make_input(BASE, "apply_coupon", "KeyError", "'min_total'",
                     line_containing='coupon["min_total"]', culprit=culprit)
    return culprit, inp


CHECKS = {
    "reproduction": lambda m: m.apply_coupon(50.0, "WELCOME10"),
    "feature": lambda m: m.gift_wrap_fee(["a", "b"]) == 5.0 or (_ for _ in ()).throw(
        AssertionError("gift wrap changed")),
}


def test_hunks_are_placed_in_a_base_that_moved_on() -> None:
    hunks = culprit_hunks(PARENT, CULPRIT, BASE)
    assert hunks is not None and len(hunks) == 2
    assert apply_hunks(BASE, hunks) == '"""Cart totals."""\n\n' + PARENT


def test_partial_revert_restores_only_the_faulty_function() -> None:
    _, inp = inputs()
    result = propose_partial(inp)
    assert not isinstance(result, Decline)
    assert len(result) == 1  # the gift-wrap hunk is outside apply_coupon
    candidate = result[0]
    assert 'coupon.get("min_total", 0)' in candidate.new_source
    assert "def gift_wrap_fee" in candidate.new_source
    assert call(candidate, "apply_coupon", 50.0, "WELCOME10") == 45.0


def test_full_revert_is_labelled_and_would_break_the_feature() -> None:
    _, inp = inputs()
    result = propose_full(inp)
    assert not isinstance(result, Decline)
    full = result[0]
    assert full.full_revert and full.strategy == "revert:full"
    assert "LAST RESORT" in full.description
    assert not hasattr(load(full.new_source), "gift_wrap_fee")


def test_search_chooses_the_partial_revert_and_keeps_the_feature() -> None:
    _, inp = inputs()
    proposals = propose_partial(inp)
    assert not isinstance(proposals, Decline)
    result, _ = search_with(inp, CHECKS, ["reproduction"], proposals)
    assert result.chosen is not None and result.chosen.strategy == "revert:partial"
    assert "def gift_wrap_fee" in result.chosen.new_source


def test_no_culprit_or_untouched_file_declines() -> None:
    bare = make_input(BASE, "apply_coupon", "KeyError", "'min_total'")
    assert isinstance(propose_partial(bare), Decline)
    assert isinstance(propose_full(bare), Decline)
    elsewhere = CulpritChange(sha="d" * 40, summary="x", files={"pkg/other.py": ("a\n", "b\n",
                                                                                  "b\n")})
    moved = make_input(BASE, "apply_coupon", "KeyError", "'min_total'", culprit=elsewhere)
    assert isinstance(propose_partial(moved), Decline)


def test_a_hunk_rewritten_since_is_left_alone() -> None:
    rewritten = BASE.replace('coupon["min_total"]', 'coupon["minimum"]')
    assert culprit_hunks(PARENT, CULPRIT, rewritten) is None


def test_a_branch_the_culprit_deleted_in_a_refactor_is_put_back() -> None:
    parent = textwrap.dedent('''
        def parse_field(field, lo, hi):
            if field == "*":
                return list(range(lo, hi + 1))
            if field.startswith("*/"):
                return list(range(lo, hi + 1, int(field[2:])))
            return [int(field)]
    ''').lstrip()
    after = textwrap.dedent('''
        def parse_part(part, lo, hi):
            if part == "*":
                return list(range(lo, hi + 1))
            return [int(part)]


        def parse_field(field, lo, hi):
            return sorted({v for p in field.split(",") for v in parse_part(p, lo, hi)})
    ''').lstrip()
    culprit = CulpritChange("e" * 40, "Cron: lists", {"pkg/mod.py": (parent, after, after)})
    inp = make_input(after, "parse_part", "ValueError",
                     "invalid literal for int() with base 10: '*/15'",
                     line_containing="return [int(part)]", culprit=culprit)
    result = propose_restore(inp)
    assert not isinstance(result, Decline)
    working = [c for c in result if _parses_step(c.new_source)]
    assert working and all("part.startswith" in c.new_source for c in working)


def _parses_step(source: str) -> bool:
    try:
        return load(source).parse_field("*/20,5", 0, 59) == [0, 5, 20, 40]
    except Exception:
        return False
