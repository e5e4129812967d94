"""Fix or mitigation, read from the diff: every candidate carries its class, a mitigation says
what it hides, and one that would invent data is not proposed."""

from __future__ import annotations

from agent.repair.base import unified_diff
from agent.repair.classify import classify, label
from agent.state import Candidate

BASE = 'def f(order):\n    return order["user"]\n'


def candidate(strategy: str, after: str) -> Candidate:
    diff = unified_diff("m.py", BASE, after)
    return Candidate(id=strategy, strategy=strategy, description="d", path="m.py",
                     new_source=after, diff=diff, lines_changed=2)


def test_the_renamed_key_is_a_fix_and_a_made_up_default_is_not_proposed() -> None:
    fixed = candidate("template:complete-rename", 'def f(order):\n    return order["user_id"]\n')
    zero = candidate("template:key-get", 'def f(order):\n    return order.get("user", 0)\n')
    none = candidate("template:key-get", 'def f(order):\n    return order.get("user")\n')
    kept, notes = label([fixed, zero, none], frozenset())
    assert [c.fix_class for c in kept] == ["fix", "mitigation"]
    assert kept[1].masks and "default" in kept[1].masks
    assert len(notes) == 1 and "0 would stand in for a real value" in notes[0]


def test_shapes_that_hide_the_error_whatever_produced_them() -> None:
    guard = 'def f(order):\n    if order is None:\n        return None\n    return order["user"]\n'
    caught = ('def f(order):\n    try:\n        return order["user"]\n'
              '    except KeyError:\n        return None\n')
    for after in (guard, caught):
        kind = classify("mutation", unified_diff("m.py", BASE, after))
        assert kind.fix_class == "mitigation" and kind.masks and not kind.invents
    empty = 'def f(order):\n    return order.get("items", [])\n'
    assert not classify("template:key-get", unified_diff("m.py", BASE, empty)).invents


def test_a_default_the_culprit_removed_is_the_old_value_not_an_invented_one() -> None:
    after = 'def f(order):\n    return order.get("user", "guest")\n'
    diff = unified_diff("m.py", BASE, after)
    assert classify("template:key-get", diff).invents
    assert classify("template:key-get", diff, frozenset({'"guest"'})).fix_class == "fix"


def test_an_optional_key_the_code_already_handles_is_read_as_a_fix() -> None:
    base = ('def factor(customer):\n    tier = customer["tier"]\n'
            '    return DISCOUNTS.get(tier, 1.0)\n')
    after = base.replace('customer["tier"]', 'customer.get("tier")')
    lenient = Candidate(id="k", strategy="template:key-get", description="d", path="m.py",
                        new_source=after, diff=unified_diff("m.py", base, after),
                        lines_changed=2)
    kept, _ = label([lenient], frozenset())
    assert kept[0].fix_class == "fix" and not kept[0].masks
