"""The regression test written from the event: arguments rebuilt from frame vars (literals,
dates, objects of the module's classes), the result type the caller showed, zero-argument
entry points, and an honest None when nothing can be rebuilt."""

from __future__ import annotations

from agent.repair.regression import rebuild, write_regression_test
from tools.ports import Alert, Frame

VALUATION = '''from dataclasses import dataclass


@dataclass
class Item:
    sku: str
    quantity: int


def stock_value(items):
    return sum(item.qty for item in items)


def valuation(rows):
    value = stock_value(rows)
    return value


def run():
    return valuation([])
'''


def alert(*frames: Frame, error: str = "AttributeError") -> Alert:
    return Alert(source="sentry", exception_type=error, exception_message="x",
                 frames=list(frames), fingerprint="f")


def frame(function: str, lineno: int, vars: dict[str, object], context: str = "") -> Frame:
    return Frame(filename="inventory/valuation.py", function=function, lineno=lineno,
                 repo_path="inventory/valuation.py", vars=vars, context_line=context)


def test_rebuilds_literals_dates_and_the_modules_own_classes() -> None:
    assert rebuild("'gold'", set()).text == "'gold'"  # type: ignore[union-attr]
    date = rebuild("datetime.date(2026, 11, 1)", set())
    assert date is not None and date.imports == {"import datetime"}
    items = rebuild(["Item(sku='A', quantity=2)"], {"Item"})
    assert items is not None and items.text == "[Item(sku='A', quantity=2)]"
    assert items.names == {"Item"}
    assert rebuild("<Cart object at 0x7f>", {"Cart"}) is None
    assert rebuild("os.system('x')", set()) is None  # only known constructors are called
    assert rebuild("'abcdef...", set()) is None  # trimmed by the SDK


def test_the_comprehension_frame_is_skipped_and_objects_are_rebuilt() -> None:
    frames = [frame("valuation", 15, {"rows": ["Item(sku='A', quantity=2)"]},
                    "    value = stock_value(rows)"),
              frame("stock_value", 11, {"items": ["Item(sku='A', quantity=2)"]}),
              frame("<genexpr>", 11, {".0": "<list_iterator object at 0x7f>"})]
    test = write_regression_test(alert(*frames), frames,
                                 {"inventory/valuation.py": VALUATION}, "tests", "AF-9")
    assert test is not None and test.path == "tests/test_alertfix_af_9.py"
    assert "from inventory.valuation import Item, stock_value" in test.source
    assert "stock_value(items=[Item(sku='A', quantity=2)])" in test.source
    compile(test.source, test.path, "exec")


def test_the_result_type_the_caller_showed_is_asserted() -> None:
    frames = [frame("valuation", 15, {"rows": [], "value": "3.5"},
                    "    value = stock_value(rows)"),
              frame("stock_value", 11, {"items": []})]
    test = write_regression_test(alert(*frames), frames,
                                 {"inventory/valuation.py": VALUATION}, "", "AF-1")
    assert test is not None and test.asserts_type == "(int, float)"
    assert "assert isinstance(result, (int, float))" in test.source


def test_a_function_without_parameters_is_replayed_and_nothing_rebuildable_is_none() -> None:
    frames = [frame("run", 20, {}), frame("valuation", 15, {"rows": "<generator at 0x1>"})]
    test = write_regression_test(alert(*frames), frames,
                                 {"inventory/valuation.py": VALUATION}, "tests", "AF-2")
    assert test is not None and "    run()\n" in test.source
    only = [frame("valuation", 15, {"rows": "<generator at 0x1>"})]
    assert write_regression_test(alert(*only), only, {"inventory/valuation.py": VALUATION},
                                 "tests", "AF-3") is None


def test_literal_arguments_in_the_callers_line_are_used_when_vars_are_missing() -> None:
    sync = ("def sync(catalogue, supplier=None):\n    return catalogue['x']\n\n\n"
            "def run():\n    return sync({'SKU-1': 3.0})\n")
    frames = [Frame(function="run", lineno=6, repo_path="inventory/sync.py",
                    context_line="    return sync({'SKU-1': 3.0})"),
              Frame(function="sync", lineno=2, repo_path="inventory/sync.py")]
    test = write_regression_test(alert(*frames, error="KeyError"), frames,
                                 {"inventory/sync.py": sync}, "tests", "AF-4")
    assert test is not None and "sync(catalogue={'SKU-1': 3.0})" in test.source
