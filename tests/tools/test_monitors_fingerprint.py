"""The fingerprint: one fault, one value, whichever source reported it and however the code
moved or the message varied; different faults differ."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from tools.monitors import pagerduty
from tools.monitors.sentry import fingerprint, normalise_message, parse_event
from tools.ports import Frame

identifiers = st.text(string.ascii_lowercase + "_", min_size=1, max_size=12)
call_paths = st.lists(st.tuples(identifiers, identifiers), min_size=1, max_size=6)
volatile = st.one_of(
    st.integers(0, 10**12).map(str),
    st.uuids().map(str),
    st.binary(min_size=4, max_size=16).map(lambda b: "0x" + b.hex()),
    st.text(string.ascii_letters + string.digits + " -_", max_size=20).map(repr),
    st.text(string.ascii_letters + " -", max_size=20).map(lambda s: f'"{s}"'),
)


def frames_for(path: list[tuple[str, str]], lines: list[int]) -> list[Frame]:
    return [Frame(filename=f"shop/{module}.py", module=f"shop.{module}", function=function,
                  lineno=line) for (module, function), line in zip(path, lines, strict=False)]


@settings(max_examples=150, deadline=None, database=None)
@given(call_paths, st.data())
def test_line_shifts_do_not_change_the_fingerprint(path: list[tuple[str, str]],
                                                   data: st.DataObject) -> None:
    before = data.draw(st.lists(st.integers(1, 5000), min_size=len(path), max_size=len(path)))
    after = data.draw(st.lists(st.integers(1, 5000), min_size=len(path), max_size=len(path)))
    assert fingerprint("KeyError", frames_for(path, before)) == \
        fingerprint("KeyError", frames_for(path, after))


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(volatile, min_size=1, max_size=3), st.lists(volatile, min_size=1, max_size=3))
def test_volatile_message_parts_do_not_change_the_fingerprint(first: list[str],
                                                              second: list[str]) -> None:
    def message(values: list[str]) -> str:
        padded = (values * 3)[:3]
        return f"order {padded[0]} for customer {padded[1]} failed at {padded[2]}"

    # Without frames the message stands in; its volatile parts must not matter.
    assert fingerprint("PaymentFailed", [], message(first)) == \
        fingerprint("PaymentFailed", [], message(second))
    # With frames the message does not count at all.
    frames = frames_for([("billing", "charge")], [10])
    assert fingerprint("PaymentFailed", frames, message(first)) == \
        fingerprint("PaymentFailed", frames, "something else entirely")


@settings(max_examples=150, deadline=None, database=None)
@given(call_paths, identifiers)
def test_a_different_crash_function_is_a_different_fault(path: list[tuple[str, str]],
                                                        other: str) -> None:
    moved = [*path[:-1], (path[-1][0], path[-1][1] + "_" + other)]
    lines = [1] * len(path)
    assert fingerprint("KeyError", frames_for(path, lines)) != \
        fingerprint("KeyError", frames_for(moved, lines))
    assert fingerprint("KeyError", frames_for(path, lines)) != \
        fingerprint("TypeError", frames_for(path, lines))


def test_deploy_prefixes_library_frames_and_recursion_do_not_matter() -> None:
    sentry = [Frame(filename="shop/app.py", module="shop.app", function="handle", lineno=3),
              Frame(filename="shop/pricing.py", module="shop.pricing",
                    function="Pricing.total", lineno=9)]
    traceback = [Frame(filename="/home/deploy/releases/41/shop/app.py", function="handle",
                       lineno=4),
                 Frame(filename="/usr/lib/python3.11/functools.py", function="wrapper",
                       lineno=1),
                 Frame(filename="/home/deploy/releases/41/shop/pricing.py", function="total",
                       lineno=12),
                 Frame(filename="/home/deploy/releases/41/shop/pricing.py", function="total",
                       lineno=12)]
    assert fingerprint("KeyError", sentry) == fingerprint("KeyError", traceback)
    deeper = traceback[:2] + traceback[2:] * 20  # recursion depth varies by input
    assert fingerprint("KeyError", deeper) == fingerprint("KeyError", traceback)
    assert fingerprint("KeyError", sentry) == fingerprint("builtins.KeyError", sentry)


def test_message_normalisation() -> None:
    assert normalise_message("user 42 ('bob') hit 3.5 on 9f3a2b1c7d and "
                             "0b7e9a30-5c3f-4e0e-9b1a-2f6c1d4e8a90") == \
        "user <*> (<*>) hit <*> on <*> and <*>"


PAGERDUTY_TRACEBACK = '''Traceback (most recent call last):
  File "/srv/app/shop/app.py", line 7, in handle_checkout
    total = checkout_total(request["customer"], request["items"])
  File "/srv/app/shop/pricing.py", line 14, in checkout_total
    return round(subtotal * loyalty_factor(customer), 2)
  File "/srv/app/shop/pricing.py", line 9, in loyalty_factor
    tier = customer["tier"]
KeyError: 'tier'
'''


def test_a_pagerduty_traceback_and_a_sentry_event_of_one_fault_match() -> None:
    frames = [{"filename": "shop/app.py", "module": "shop.app", "function": "handle_checkout",
               "lineno": 7, "abs_path": "/srv/app/shop/app.py", "in_app": True},
              {"filename": "shop/pricing.py", "module": "shop.pricing",
               "function": "checkout_total", "lineno": 14, "in_app": True},
              {"filename": "shop/pricing.py", "module": "shop.pricing",
               "function": "loyalty_factor", "lineno": 8, "in_app": True}]
    event = {"event_id": "e1", "exception": {"values": [
        {"type": "KeyError", "value": "'tier'", "stacktrace": {"frames": frames}}]}}
    webhook = {"event": {"id": "01", "event_type": "incident.triggered",
                         "resource_type": "incident", "occurred_at": "2026-11-22T10:00:00Z",
                         "data": {"id": "PT4KHLK", "title": "checkout 500s",
                                  "service": {"id": "PSHOP", "summary": "shop"}}},
               "alerts": [{"body": {"details": {"traceback": PAGERDUTY_TRACEBACK}}}]}
    assert parse_event(event).fingerprint == pagerduty.parse_alert(webhook).fingerprint
