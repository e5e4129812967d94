"""Before/after tests, one group per template: the unpatched code raises, the best candidate
does what the fix should, nothing outside the function changes, and each template declines
(with a reason, never an exception) what it does not fit."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import pytest

from agent.repair.base import CulpritChange, Decline
from agent.repair.templates import (
    aware_naive,
    blank_string,
    bounds_check,
    date_format,
    empty_collection,
    iterate_copy,
    json_default,
    key_fallback,
    key_get,
    nearest_name,
    none_guard,
    numeric_string,
    recursion_base,
    type_conversion,
)
from agent.state import Candidate
from tests.repair.helpers import call, first_working, load, make_input

UNRELATED = "\n\n# keep: this comment and spacing  stay byte-identical\nLIMIT = 3\n"


def tail(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n") + UNRELATED


def candidates_of(result: list[Candidate] | Decline) -> list[Candidate]:
    assert not isinstance(result, Decline), result
    for candidate in result:
        assert candidate.new_source.endswith(UNRELATED)
    return result


def test_key_get_reads_missing_key_with_default() -> None:
    source = tail('''
        def discount(coupon, total):
            if total < coupon["min_total"]:
                return total
            return total * 0.9
    ''')
    inp = make_input(source, "discount", "KeyError", "'min_total'", line_containing="min_total")
    with pytest.raises(KeyError):
        call(inp.source, "discount", {"kind": "percent"}, 100)
    found = candidates_of(key_get.propose(inp))
    fix = first_working(found, lambda m: m.discount({}, 100) == 90.0)
    assert fix is not None and 'coupon.get("min_total", 0)' in fix.new_source


def test_key_get_on_environ() -> None:
    source = tail('''
        import os

        def smtp_host():
            return os.environ["SMTP_HOST_FOR_ALERTFIX_TEST"]
    ''')
    inp = make_input(source, "smtp_host", "KeyError", "'SMTP_HOST_FOR_ALERTFIX_TEST'")
    found = candidates_of(key_get.propose(inp))
    assert first_working(found, lambda m: m.smtp_host() is None) is not None


def test_none_guard_default_value_for_the_whole_expression() -> None:
    source = tail('''
        TIER = {"basic": 0, "gold": 10}

        def order_total(subtotal, customer=None):
            discount = TIER[customer.tier]
            return round(subtotal * (100 - discount) / 100, 2)
    ''')
    inp = make_input(source, "order_total", "AttributeError",
                     "'NoneType' object has no attribute 'tier'", line_containing="discount =")
    with pytest.raises(AttributeError):
        call(inp.source, "order_total", 42.0)
    found = candidates_of(none_guard.propose(inp))
    fix = first_working(found, lambda m: m.order_total(42.0) == 42.0)
    assert fix is not None
    assert "TIER[customer.tier] if customer is not None else 0" in fix.new_source
    shapes = {c.description.split(" ")[0] for c in found}
    assert {"Use", "Return", "Run"} <= shapes  # default value, early return, conditional


def test_bounds_check_past_the_end() -> None:
    source = tail('''
        import bisect

        def next_slot(slots, after):
            return slots[bisect.bisect_right(slots, after)]
    ''')
    inp = make_input(source, "next_slot", "IndexError", "list index out of range")
    with pytest.raises(IndexError):
        call(inp.source, "next_slot", [9, 10], 17)
    found = candidates_of(bounds_check.propose(inp))
    fix = first_working(found, lambda m: m.next_slot([9, 10], 17) is None
                        and m.next_slot([9, 10], 9) == 10)
    assert fix is not None and ":=" in fix.new_source  # the index is computed once


def test_empty_collection_division() -> None:
    source = tail('''
        def average(records):
            units = sum(r["units"] for r in records)
            return units / len(records)
    ''')
    inp = make_input(source, "average", "ZeroDivisionError", "division by zero")
    found = candidates_of(empty_collection.propose(inp))
    fix = first_working(found, lambda m: m.average([]) == 0 and m.average([{"units": 4}]) == 4)
    assert fix is not None and "if records else 0" in fix.new_source


def test_empty_collection_max_gets_a_default() -> None:
    source = tail('''
        def parcel_weight(items):
            physical = [i for i in items if not i.get("digital")]
            return max(i["kg"] for i in physical)
    ''')
    inp = make_input(source, "parcel_weight", "ValueError", "max() arg is an empty sequence")
    found = candidates_of(empty_collection.propose(inp))
    fix = first_working(found, lambda m: m.parcel_weight([{"digital": True}]) == 0)
    assert fix is not None and "max((i[\"kg\"] for i in physical), default=0)" in fix.new_source


def test_type_conversion_for_concatenation() -> None:
    source = tail('''
        def invoice_number(year, seq):
            return "INV-" + year + "-" + str(seq)
    ''')
    inp = make_input(source, "invoice_number", "TypeError",
                     'can only concatenate str (not "int") to str')
    found = candidates_of(type_conversion.propose(inp))
    fix = first_working(found, lambda m: m.invoice_number(2026, 7) == "INV-2026-7")
    assert fix is not None


def test_blank_string_reads_as_zero() -> None:
    source = tail('''
        def amount(row):
            return float(row["amount"].replace(",", ""))
    ''')
    inp = make_input(source, "amount", "ValueError", "could not convert string to float: ''")
    found = candidates_of(blank_string.propose(inp))
    fix = first_working(found, lambda m: m.amount({"amount": ""}) == 0
                        and m.amount({"amount": "1,200.5"}) == 1200.5)
    assert fix is not None
    assert isinstance(blank_string.propose(make_input(
        source, "amount", "ValueError", "could not convert string to float: 'abc'")), Decline)


def test_aware_naive_normalises_both_sides_and_imports_timezone() -> None:
    source = tail('''
        from datetime import datetime

        def days_used(start, now):
            return (now - start).days
    ''')
    inp = make_input(source, "days_used", "TypeError",
                     "can't subtract offset-naive and offset-aware datetimes")
    found = candidates_of(aware_naive.propose(inp))
    naive, aware = datetime(2026, 1, 1), datetime(2026, 1, 11, tzinfo=UTC)
    fix = first_working(found, lambda m: m.days_used(naive, aware) == 10
                        and m.days_used(aware.replace(day=1), aware) == 10)
    assert fix is not None
    assert "from datetime import datetime, timezone" in fix.new_source  # the one import change


def test_iterate_copy_of_a_dict_being_changed() -> None:
    source = tail('''
        def drop_sold_out(catalog):
            for sku, product in catalog.items():
                if product["stock"] == 0:
                    del catalog[sku]
            return catalog
    ''')
    inp = make_input(source, "drop_sold_out", "RuntimeError",
                     "dictionary changed size during iteration", line_containing="for sku")
    found = candidates_of(iterate_copy.propose(inp))
    fix = first_working(found, lambda m: m.drop_sold_out({"a": {"stock": 0},
                                                          "b": {"stock": 1}}) == {
                                                              "b": {"stock": 1}})
    assert fix is not None and "list(catalog.items())" in fix.new_source


def test_nearest_name_from_the_hint_and_the_scope() -> None:
    source = tail('''
        def total(quantity, price):
            return qty * price
    ''')
    inp = make_input(source, "total", "NameError", "name 'qty' is not defined")
    found = candidates_of(nearest_name.propose(inp))
    fix = first_working(found, lambda m: m.total(2, 3) == 6)
    assert fix is not None and "quantity * price" in fix.new_source


def test_nearest_name_imports_a_name_defined_elsewhere_in_the_repository() -> None:
    source = tail('''
        from pkg.stock import reserve

        def pick(order):
            reserve(order)
            return bin_for(order["sku"])
    ''')
    inp = make_input(source, "pick", "NameError", "name 'bin_for' is not defined",
                     repo_sources={"pkg/layout.py": "def bin_for(sku):\n    return 'A1'\n"})
    found = candidates_of(nearest_name.propose(inp))
    assert any("from pkg.layout import bin_for\n" in c.new_source for c in found)


def test_nearest_name_for_a_renamed_attribute() -> None:
    source = tail('''
        def stock_value(items):
            return sum(item.qty * item.unit_cost for item in items)
    ''')
    model = ("from dataclasses import dataclass\n\n@dataclass\nclass Item:\n"
             "    sku: str\n    quantity: int\n    unit_cost: float\n")
    inp = make_input(source, "stock_value", "AttributeError",
                     "'Item' object has no attribute 'qty'", repo_sources={"pkg/model.py": model})
    found = candidates_of(nearest_name.propose(inp))
    item = load(model).Item("a", 2, 1.5)
    fix = first_working(found, lambda m: m.stock_value([item]) == 3.0)
    assert fix is not None and "item.quantity" in fix.new_source


def test_recursion_base_stops_on_a_cycle() -> None:
    source = tail('''
        def visit(job, graph, order):
            for dep in graph[job]:
                visit(dep, graph, order)
            if job not in order:
                order.append(job)
            return order
    ''')
    inp = make_input(source, "visit", "RecursionError", "maximum recursion depth exceeded",
                     line_containing="visit(dep")
    found = candidates_of(recursion_base.propose(inp))
    cyclic = {"a": ["b"], "b": ["a"]}
    raising = next(c for c in found if "raise ValueError" in c.new_source)
    with pytest.raises(ValueError, match="cycle"):
        call(raising, "visit", "a", cyclic, [])
    assert call(raising, "visit", "a", {"a": ["b"], "b": []}, []) == ["b", "a"]


@pytest.mark.parametrize("template", [key_get, key_fallback, none_guard, bounds_check,
                                      empty_collection, type_conversion, blank_string,
                                      aware_naive, iterate_copy, nearest_name, recursion_base,
                                      numeric_string, json_default, date_format])
def test_every_template_declines_what_it_does_not_fit(template: object) -> None:
    inp = make_input("def f(x):\n    return x\n", "f", "SomeError", "nothing it knows")
    result = template.propose(inp)  # type: ignore[attr-defined]
    assert isinstance(result, Decline) and result.reason


@pytest.mark.parametrize("template", [key_get, none_guard, bounds_check, empty_collection,
                                      iterate_copy, nearest_name])
def test_every_template_declines_when_the_line_has_nothing_to_fix(template: object) -> None:
    errors = {key_get: ("KeyError", "'k'"), none_guard: ("AttributeError",
              "'NoneType' object has no attribute 'a'"), bounds_check: ("IndexError", "x"),
              empty_collection: ("ZeroDivisionError", "division by zero"),
              iterate_copy: ("RuntimeError", "dictionary changed size during iteration"),
              nearest_name: ("NameError", "name 'zzz_unrelated_q' is not defined")}
    error, message = errors[template]  # type: ignore[index]
    inp = make_input("def f(x):\n    return x\n", "f", error, message)
    result = template.propose(inp)  # type: ignore[attr-defined]
    assert isinstance(result, Decline) and result.reason


def test_key_fallback_reads_every_renamed_key_under_its_old_name_too() -> None:
    parent = tail('''
        import os

        def smtp_settings():
            return {
                "host": os.environ["SMTP_HOST"],
                "port": int(os.environ.get("SMTP_PORT", "587")),
            }
    ''')
    base = parent.replace('"SMTP_HOST"', '"BILLING_SMTP_HOST"').replace(
        '"SMTP_PORT"', '"BILLING_SMTP_PORT"')
    culprit = CulpritChange(sha="f" * 40, summary="Namespace settings",
                            files={"pkg/mod.py": (parent, base, base)})
    inp = make_input(base, "smtp_settings", "KeyError", "'BILLING_SMTP_HOST'",
                     line_containing="BILLING_SMTP_HOST", culprit=culprit)
    assert isinstance(key_get.propose(inp), Decline)  # defers to the fallback
    found = candidates_of(key_fallback.propose(inp))
    assert len(found) == 2  # strict, then lenient when neither name is set
    fixed = found[0].new_source
    assert 'os.environ.get("BILLING_SMTP_HOST") or os.environ.get("SMTP_HOST")' in \
        found[1].new_source
    assert 'os.environ.get("BILLING_SMTP_HOST") or os.environ["SMTP_HOST"]' in fixed
    assert 'os.environ.get("BILLING_SMTP_PORT") or os.environ.get("SMTP_PORT", "587")' in fixed
    assert isinstance(key_fallback.propose(make_input(
        base, "smtp_settings", "KeyError", "'BILLING_SMTP_HOST'")), Decline)  # no culprit


def test_none_guard_skips_a_null_item_or_defaults_at_the_get() -> None:
    source = tail('''
        def sync(catalogue, supplier):
            updated = 0
            for sku in sorted(catalogue):
                record = supplier.get(sku, {"price": catalogue[sku]})
                if record["price"] != catalogue[sku]:
                    catalogue[sku] = record["price"]
                    updated += 1
            return updated
    ''')
    inp = make_input(source, "sync", "TypeError", "'NoneType' object is not subscriptable",
                     line_containing='if record["price"]')
    found = candidates_of(none_guard.propose(inp))
    texts = [c.new_source for c in found]
    assert any("if record is None:\n            continue" in s for s in texts)
    assert any('supplier.get(sku) or {"price": catalogue[sku]}' in s for s in texts)
    for source_text in texts:
        if "record is None:\n            continue" in source_text or "get(sku) or" in source_text:
            assert call(source_text, "sync", {"A": 1.0, "B": 2.0},
                        {"A": {"price": 1.5}, "B": None}) == 1


def test_aware_naive_normalises_every_comparison_of_the_function() -> None:
    source = tail('''
        from datetime import datetime

        def due(reminders, now):
            pending = sorted(reminders, key=lambda r: datetime.fromisoformat(r["at"]))
            return [r["id"] for r in pending if datetime.fromisoformat(r["at"]) <= now]
    ''')
    inp = make_input(source, "due", "TypeError",
                     "can't compare offset-naive and offset-aware datetimes",
                     line_containing="pending =")
    found = candidates_of(aware_naive.propose(inp))
    mixed = [{"id": "a", "at": "2026-11-05 08:00"}, {"id": "b", "at": "2026-11-05T07:30:00Z"}]
    fix = first_working(found, lambda m: m.due(mixed, datetime(2026, 11, 5, 9, 0)) == ["b", "a"])
    assert fix is not None and "every datetime" in fix.description


def test_none_guard_binds_a_call_result_once() -> None:
    source = tail('''
        import re

        def bearer_token(header):
            return re.match(r"Bearer (\\S+)", header).group(1)
    ''')
    inp = make_input(source, "bearer_token", "AttributeError",
                     "'NoneType' object has no attribute 'group'")
    found = candidates_of(none_guard.propose(inp))
    fix = first_working(found, lambda m: m.bearer_token("Basic x") is None
                        and m.bearer_token("Bearer abc") == "abc")
    assert fix is not None and ":=" in fix.new_source


def test_type_conversion_converts_the_side_the_message_names() -> None:
    source = tail('''
        import os

        def is_locked(failures):
            return failures >= os.environ.get("LIMIT_FOR_ALERTFIX_TEST", "5")
    ''')
    inp = make_input(source, "is_locked", "TypeError",
                     "'>=' not supported between instances of 'int' and 'str'")
    found = candidates_of(type_conversion.propose(inp))
    assert "int(os.environ.get(" in found[0].new_source  # the str side, to the left's type
    assert call(found[0], "is_locked", 6) is True


def test_type_conversion_decimal_and_float_and_mixed_sorts() -> None:
    fee = tail('''
        from decimal import Decimal

        def card_fee(amount):
            return Decimal("0.25") + amount * 0.029
    ''')
    inp = make_input(fee, "card_fee", "TypeError",
                     "unsupported operand type(s) for +: 'decimal.Decimal' and 'float'")
    found = candidates_of(type_conversion.propose(inp))
    from decimal import Decimal
    fix = first_working(found, lambda m: m.card_fee(Decimal("10")) == Decimal("0.540"))
    assert fix is not None and "Decimal(str(" in fix.new_source
    facets = tail('''
        def facet(values):
            return sorted(set(values))
    ''')
    inp = make_input(facets, "facet", "TypeError",
                     "'<' not supported between instances of 'int' and 'str'")
    found = candidates_of(type_conversion.propose(inp))
    assert first_working(found, lambda m: m.facet([2, "a", 10]) == [10, 2, "a"]) is not None


def test_numeric_string_reads_a_float_written_as_text() -> None:
    source = tail('''
        def retry_after(headers):
            return int(headers["Retry-After"])
    ''')
    inp = make_input(source, "retry_after", "ValueError",
                     "invalid literal for int() with base 10: '1.5'")
    found = candidates_of(numeric_string.propose(inp))
    assert first_working(found, lambda m: m.retry_after({"Retry-After": "1.5"}) == 1)
    assert found[0].new_source.count('float(headers["Retry-After"])') == 1
    assert isinstance(numeric_string.propose(make_input(
        source, "retry_after", "ValueError", "invalid literal for int() with base 10: 'soon'")),
        Decline)


def test_json_default_writes_dates() -> None:
    source = tail('''
        import json

        def export(rows):
            return json.dumps({"rows": rows})
    ''')
    inp = make_input(source, "export", "TypeError", "Object of type date is not JSON serializable")
    found = candidates_of(json_default.propose(inp))
    from datetime import date
    fix = first_working(found, lambda m: m.export([date(2026, 1, 2)]) == '{"rows": ["2026-01-02"]}')
    assert fix is not None and "default=str" in fix.new_source


def test_empty_collection_defaults_every_extremum_of_the_function() -> None:
    source = tail('''
        def kpis(responses):
            return {"fastest": min(responses), "slowest": max(responses)}
    ''')
    inp = make_input(source, "kpis", "ValueError", "min() arg is an empty sequence")
    found = candidates_of(empty_collection.propose(inp))
    fix = first_working(found, lambda m: m.kpis([]) == {"fastest": None, "slowest": None}
                        and m.kpis([3, 1]) == {"fastest": 1, "slowest": 3})
    assert fix is not None and "every min()/max()" in fix.description


def test_date_format_accepts_the_format_the_data_has_too() -> None:
    source = tail('''
        from datetime import datetime

        def parse_day(value):
            return datetime.strptime(value, "%d.%m.%Y").date()
    ''')
    inp = make_input(source, "parse_day", "ValueError",
                     "time data '2026-11-12' does not match format '%d.%m.%Y'")
    found = candidates_of(date_format.propose(inp))
    from datetime import date
    fix = first_working(found, lambda m: m.parse_day("2026-11-12") == date(2026, 11, 12)
                        and m.parse_day("12.11.2026") == date(2026, 11, 12))
    assert fix is not None
    assert 'strptime(value, "%Y-%m-%d" if "-" in value else "%d.%m.%Y")' in fix.new_source


def test_bounds_check_stops_a_loop_at_the_end() -> None:
    source = tail('''
        def snippet(text, start, width=4):
            end = start + width
            while text[end] != " ":
                end += 1
            return text[start:end]
    ''')
    inp = make_input(source, "snippet", "IndexError", "string index out of range",
                     line_containing="while")
    # Only the loop-condition shapes are run here: a default value read past the end keeps
    # this loop going forever (the validator's per-candidate timeout is what stops those).
    found = [c for c in candidates_of(bounds_check.propose(inp)) if "while end <" in
             c.new_source or "while -len" in c.new_source]
    fix = first_working(found, lambda m: m.snippet("a dishwasher", 2) == "dishwasher"
                        and m.snippet("a big mug", 0) == "a big")
    assert fix is not None and "while end < len(text) and (text[end] != \" \")" in fix.new_source
