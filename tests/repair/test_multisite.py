"""The same edit at every equivalent site of the function (agent/repair/multisite.py): a bug
that needs the same fix twice is one candidate, found before any pair, and labelled as its
single edit is."""

from __future__ import annotations

from agent.repair.classify import classify
from agent.repair.mutations import MutationSearch, candidate_of
from tests.repair.helpers import make_input, search_with


def assert_(condition: object) -> None:
    assert condition


def test_the_same_wrong_name_read_twice_is_one_candidate() -> None:
    source = '''
        def scale(values, factor):
            size = len(values)
            out = [v * size for v in values]
            return out, sum(values) * size
    '''
    checks = {"scaled": lambda m: assert_(m.scale([1, 2], 3) == ([3, 6], 9)),
              "empty": lambda m: assert_(m.scale([], 5) == ([], 0))}
    result, _ = search_with(make_input(source, "scale", "", ""), checks, ["scaled"])
    chosen = result.chosen
    assert chosen is not None
    assert "+" not in chosen.strategy  # one edit, not a pair of mutations
    assert "out = [v * factor for v in values]" in chosen.new_source
    assert "return out, sum(values) * factor" in chosen.new_source
    assert "size = len(values)" in chosen.new_source  # only the reads change
    assert chosen.fix_class == "fix"
    # found in the singles' tier: no pair was ever tried
    assert not any("+" in c.strategy for c in result.candidates)


def test_the_same_operator_slip_twice_is_one_candidate() -> None:
    source = '''
        def within(x, low, high):
            return low < x and x < high
    '''
    checks = {"low": lambda m: assert_(m.within(1, 1, 5)),
              "high": lambda m: assert_(m.within(5, 1, 5)),
              "out": lambda m: assert_(not m.within(0, 1, 5) and not m.within(6, 1, 5))}
    result, _ = search_with(make_input(source, "within", "", ""), checks, ["low", "high"])
    assert result.chosen is not None and "+" not in result.chosen.strategy
    assert "return low <= x and x <= high" in result.chosen.new_source


def test_the_same_off_by_one_twice_is_one_candidate() -> None:
    source = '''
        def neighbours(grid, i):
            left = grid[i][0]
            right = grid[i][1]
            return left + right
    '''
    checks = {"row": lambda m: assert_(m.neighbours([[1, 2], [3, 4]], 1) == 3),
              "next": lambda m: assert_(m.neighbours([[1, 2], [3, 4], [5, 6]], 2) == 7)}
    result, _ = search_with(make_input(source, "neighbours", "", ""), checks, ["row", "next"])
    assert result.chosen is not None and "+" not in result.chosen.strategy
    assert "left = grid[i - 1][0]" in result.chosen.new_source
    assert "right = grid[i - 1][1]" in result.chosen.new_source


def test_every_site_of_the_edit_and_only_those() -> None:
    source = '''
        def f(a, b):
            x = a + 1
            y = a * 2
            return x + y + b
    '''
    inp = make_input(source, "f", "", "")
    search = MutationSearch(inp, 5000)
    multi = [m for m in search.singles if m.single is not None]
    renames = [m for m in multi if m.description.startswith("`a` → `b` at")]
    assert len(renames) == 1
    built = candidate_of(inp, search.module, renames[0])
    assert built is not None
    assert "x = b + 1" in built.new_source and "y = b * 2" in built.new_source
    assert "return x + y + b" in built.new_source
    # `+` → `-` at its three sites, one of them inside another, one candidate
    plus = [m for m in multi if m.description.startswith("`+` → `-` at all 3 sites")]
    assert len(plus) == 1
    built = candidate_of(inp, search.module, plus[0])
    assert built is not None
    assert "x = a - 1" in built.new_source and "return x - y - b" in built.new_source


def test_nested_sites_are_combined_only_for_operators() -> None:
    source = '''
        def f(a, b, c):
            return max(max(a, b), c) - b - c
    '''
    search = MutationSearch(make_input(source, "f", "", ""), 5000)
    assert not any(m.single and m.family == "builtin" for m in search.singles)
    minus = [m for m in search.singles if m.single and m.family == "arithmetic"
             and m.description.startswith("`-` → `+`")]
    assert len(minus) == 1


def test_a_multi_site_edit_is_labelled_as_its_single_edit() -> None:
    source = '''
        def f(user, on):
            if on:
                name = user.name
            if on:
                return user.name
            return None
    '''
    inp = make_input(source, "f", "", "")
    search = MutationSearch(inp, 5000)
    for mutation in search.singles:
        if mutation.single is None:
            continue
        multi = candidate_of(inp, search.module, mutation)
        single = candidate_of(inp, search.module, mutation.first())
        assert multi is not None and single is not None
        assert classify(multi.strategy, multi.diff).fix_class == classify(
            single.strategy, single.diff).fix_class
    assert not any(m.single and m.family in ("guard", "delete", "copy", "condition")
                   for m in search.singles)
