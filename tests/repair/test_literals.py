"""Literal replacement (agent/repair/literals.py): a literal swapped for another literal of its
kind from the same function or module, a number for its neighbours, an empty container for
another; each seeded slip found by the search, and the operator kept from flooding."""

from __future__ import annotations

from agent.repair.mutations import MutationSearch
from tests.repair.helpers import make_input, search_with


def assert_(condition: object) -> None:
    assert condition


def _literal_edits(source: str, function: str) -> list[str]:
    inp = make_input(source, function, "", "")
    return [m.description for m in MutationSearch(inp, 5000).singles if m.family == "literal"]


def test_an_empty_tuple_that_should_be_a_list() -> None:
    source = '''
        def words(text):
            if not text:
                return ()
            return text.split()
    '''
    checks = {"empty": lambda m: assert_(m.words("") == []),
              "two": lambda m: assert_(m.words("a b") == ["a", "b"])}
    result, _ = search_with(make_input(source, "words", "", ""), checks, ["empty"])
    assert result.chosen is not None
    assert "return []" in result.chosen.new_source
    assert result.chosen.strategy == "mutation:literal"
    assert result.chosen.fix_class == "fix"


def test_a_wrong_string_replaced_by_one_the_module_uses() -> None:
    source = '''
        STATES = ("open", "closed")

        def is_closed(ticket):
            return ticket["state"] == "close"
    '''
    checks = {"closed": lambda m: assert_(m.is_closed({"state": "closed"})),
              "open": lambda m: assert_(not m.is_closed({"state": "open"}))}
    result, _ = search_with(make_input(source, "is_closed", "", ""), checks, ["closed"])
    assert result.chosen is not None
    assert 'ticket["state"] == "closed"' in result.chosen.new_source


def test_a_wrong_constant_replaced_by_one_the_module_uses() -> None:
    source = '''
        SECONDS_PER_MINUTE = 60

        def to_seconds(hours, minutes):
            return hours * 3600 + minutes * 600
    '''
    checks = {"mixed": lambda m: assert_(m.to_seconds(1, 2) == 3720),
              "minutes": lambda m: assert_(m.to_seconds(0, 1) == 60)}
    result, _ = search_with(make_input(source, "to_seconds", "", ""), checks,
                            ["mixed", "minutes"])
    assert result.chosen is not None
    assert "hours * 3600 + minutes * 60\n" in result.chosen.new_source


def test_a_float_gets_its_neighbours_and_the_functions_other_floats() -> None:
    edits = _literal_edits('''
        def price(amount, member):
            if member:
                return amount * 0.9
            return amount * 0.8
    ''', "price")
    assert "`0.8` → `0.9`" in edits and "`0.9` → `0.8`" in edits
    assert "`0.9` → `1.0`" in edits and "`0.9` → `0.0`" in edits


def test_the_kinds_are_kept_apart_and_docstrings_and_messages_left_alone() -> None:
    edits = _literal_edits('''
        LIMIT = 10

        def check(name, size):
            """Refuse what is too large."""
            if size > 3:
                raise ValueError("too large")
            return name == "x"
    ''', "check")
    assert "`3` → `10`" in edits and '`"x"` → `""`' not in edits  # the constant family's
    assert not any("too large" in e or "Refuse" in e for e in edits)
    assert not any(e.startswith('`"x"` → `3`') or e.startswith('`3` → `"') for e in edits)


def test_empty_containers_swap_with_each_other() -> None:
    edits = _literal_edits('''
        def f(flag):
            a = ()
            b = {}
            return a, b, ""
    ''', "f")
    for expected in ("`()` → `[]`", "`()` → `{}`", "`{}` → `set()`", "`{}` → `[]`",
                     '`""` → `[]`'):
        assert expected in edits, (expected, edits)


def test_replacements_per_site_are_capped() -> None:
    words = ", ".join(f'"w{i}"' for i in range(30))
    edits = _literal_edits(f'''
        WORDS = ({words})

        def pick(key):
            return key == "w"
    ''', "pick")
    assert 0 < len([e for e in edits if e.startswith('`"w"`')]) <= 4


def test_logged_and_printed_text_is_left_alone() -> None:
    edits = _literal_edits('''
        import logging

        def f(x):
            logging.info("got %s", x)
            print("done")
            return x in ("go", "gone")
    ''', "f")
    assert edits and not any("got" in e or "done" in e for e in edits)
