"""Expression-level edits (agent/repair/expressions.py): each operator's before and after on a
small function, the search finding a seeded slip with it, the statement-kind order, and the
None guard labelled a mitigation."""

from __future__ import annotations

import pytest

from agent.repair.classify import classify
from agent.repair.expressions import family_rank, keywords_in_use
from agent.repair.mutations import MutationSearch, candidate_of
from tests.repair.helpers import make_input, search_with


def _after(source: str, function: str, family: str, **extra: object) -> list[str]:
    """The changed lines of every `family` edit of `function`."""
    inp = make_input(source, function, "", "", **extra)  # type: ignore[arg-type]
    search = MutationSearch(inp, 5000)
    out = []
    for mutation in search.singles:
        if mutation.family != family:
            continue
        candidate = candidate_of(inp, search.module, mutation)
        if candidate is not None:
            out += [line[1:].strip() for line in candidate.diff.splitlines()
                    if line.startswith("+") and not line.startswith("+++")]
    return out


def assert_(condition: object) -> None:
    assert condition


# family, source, function, a changed line expected among the edits
BEFORE_AFTER = [
    ("builtin", "def top(xs):\n    return max(xs)\n", "top", "return min(xs)"),
    ("builtin", "def ok(xs):\n    return any(x > 0 for x in xs)\n", "ok",
     "return all(x > 0 for x in xs)"),
    ("builtin", "def s(name):\n    return name.startswith('x')\n", "s",
     "return name.endswith('x')"),
    ("arguments", "def f(a, b, c):\n    return g(a, b, c)\n", "f", "return g(c, b, a)"),
    ("arguments", "def f(a, b):\n    return g(x=a, y=b)\n", "f", "return g(x=b, y=a)"),
    ("arguments", "def f(xs):\n    return sorted(xs, reverse=True)\n", "f",
     "return sorted(xs)"),
    ("slice", "def f(xs, i):\n    return xs[i:]\n", "f", "return xs[i:-1]"),
    ("slice", "def f(xs, j):\n    return xs[:j]\n", "f", "return xs[1:j]"),
    ("slice", "def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n", "f",
     "for x in xs[1:]:"),
    ("slice", "def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n", "f",
     "for x in xs[:-1]:"),
    ("guard", "def f(user, on):\n    if on:\n        return user.name\n    return ''\n", "f",
     "if on and user is not None:"),
]


@pytest.mark.parametrize(("family", "source", "function", "expected"), BEFORE_AFTER)
def test_each_operator_before_and_after(family: str, source: str, function: str,
                                        expected: str) -> None:
    assert expected in _after(source, function, family)


def test_a_keyword_the_callee_takes_elsewhere_is_passed_and_found_by_the_search() -> None:
    source = '''
        def price(amount):
            return round(amount * 1.2, ndigits=None)

        def report(amount):
            return fmt(amount)

        def fmt(value, currency="EUR"):
            return f"{value} {currency}"

        def label(amount, currency):
            return fmt(amount)
    '''
    assert "return fmt(amount, currency=currency)" in _after(source, "label", "arguments")
    assert "return fmt(amount, currency=currency)" not in _after(source, "report", "arguments")
    checks = {"usd": lambda m: assert_(m.label(3, "USD") == "3 USD")}
    inp = make_input(source, "label", "", "")
    result, _ = search_with(inp, checks, ["usd"])
    assert result.chosen is not None and "fmt(amount, currency=currency)" in \
        result.chosen.new_source


def test_keywords_in_use_reads_calls_and_the_definition() -> None:
    texts = ["x = dumps(data, indent=2, sort_keys=True)\n",
             "def dumps(obj, *, default=None, indent=None):\n    pass\n"]
    found = keywords_in_use(texts, "dumps")
    assert set(found["indent"]) == {"indent", "2"} and found["sort_keys"] == ["True"]
    assert found["default"] == ["default"] and found["obj"] == ["obj"]


def test_the_search_fixes_a_mirrored_builtin() -> None:
    source = '''
        def cheapest(prices):
            return max(prices)
    '''
    checks = {"min": lambda m: assert_(m.cheapest([3, 1, 2]) == 1)}
    result, _ = search_with(make_input(source, "cheapest", "", ""), checks, ["min"])
    assert result.chosen is not None and "min(prices)" in result.chosen.new_source


def test_the_search_fixes_a_loop_over_one_item_too_many() -> None:
    source = '''
        def settled(amounts):
            total = 0
            for amount in amounts:
                total += amount
            return total
    '''
    checks = {"pending": lambda m: assert_(m.settled([1, 2, 3]) == 3),
              "two": lambda m: assert_(m.settled([5, 1]) == 5)}
    result, _ = search_with(make_input(source, "settled", "", ""), checks, ["pending", "two"])
    assert result.chosen is not None
    assert "for amount in amounts[:-1]:" in result.chosen.new_source


def test_a_variable_used_differently_is_tried_late() -> None:
    source = '''
        def total(items, count):
            s = 0
            for item in items:
                s += item
            return s / count
    '''
    inp = make_input(source, "total", "", "")
    singles = MutationSearch(inp, 5000).singles
    loose = [m.description for m in singles if m.family == "variable-loose"]
    close = [m.description for m in singles if m.family == "variable"]
    # `count` is a number, never iterated: iterating over it is loose
    assert any("`items` → `count`" in d for d in loose)
    assert not any("`items` → `count`" in d for d in close)
    assert any("`count` → `s`" in d for d in close)  # both numbers


def test_family_order_depends_on_the_statement_kind() -> None:
    assert family_rank("off-by-one", "loop-header") < family_rank("arithmetic", "loop-header")
    assert family_rank("comparison", "if-condition") < family_rank("arithmetic", "if-condition")
    assert family_rank("arguments", "call") < family_rank("comparison", "call")
    assert family_rank("return", "return") < family_rank("comparison", "return")
    for kind in ("return", "assignment", "if-condition", "loop-header", "call", "other"):
        assert family_rank("guard", kind) > family_rank("delete", kind) > family_rank(
            "constant", kind)


def test_a_none_guard_is_a_mitigation_and_another_narrowed_condition_a_fix() -> None:
    guard = "-    if on:\n+    if on and user is not None:\n"
    kind = classify("mutation:guard", guard)
    assert kind.fix_class == "mitigation" and "None" in kind.masks
    narrowed = "-    if a > 1:\n+    if a > 1 and b > 0:\n"
    assert classify("mutation:condition", narrowed).fix_class == "fix"


def test_the_search_labels_a_passing_guard_a_mitigation() -> None:
    source = '''
        def greeting(user, formal):
            if formal:
                return "Dear " + user.name
            return "Hi"
    '''
    checks = {"anonymous": lambda m: assert_(m.greeting(None, True) in ("Hi", None, "Dear "))}
    result, _ = search_with(make_input(source, "greeting", "", ""), checks, ["anonymous"])
    guards = [c for c in result.candidates if "is not None" in c.diff]
    assert guards and all(c.fix_class == "mitigation" for c in guards)
