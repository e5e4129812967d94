"""Tracebacks and log lines → frames, exception type and message."""

from __future__ import annotations

from tools.monitors.traceback_parse import find_traceback, parse_traceback

PLAIN = '''Traceback (most recent call last):
  File "/srv/app/shop/app.py", line 7, in handle_checkout
    total = checkout_total(request["customer"], request["items"])
  File "/usr/local/lib/python3.11/site-packages/cachetools/__init__.py", line 7, in wrapper
    return fn(*args)
  File "/srv/app/shop/pricing.py", line 9, in loyalty_factor
    tier = customer["tier"]
           ~~~~~~~~^^^^^^^^
KeyError: 'tier'
'''

CHAINED = '''Traceback (most recent call last):
  File "/app/billing/card.py", line 12, in charge
    return gateway.charge(card)
ConnectionError: gateway down

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/app/billing/api.py", line 30, in pay
    charge(card)
  File "/app/billing/card.py", line 14, in charge
    raise billing.errors.PaymentFailed(f"card {card.id} declined") from exc
billing.errors.PaymentFailed: card 4242 declined
'''


def test_plain_traceback() -> None:
    parsed = parse_traceback(PLAIN)
    assert parsed is not None
    assert (parsed.exception_type, parsed.exception_message) == ("KeyError", "'tier'")
    assert [f.function for f in parsed.frames] == ["handle_checkout", "wrapper",
                                                   "loyalty_factor"]
    assert [f.in_app for f in parsed.frames] == [True, False, True]
    crash = parsed.frames[-1]
    assert (crash.abs_path, crash.lineno, crash.context_line) == (
        "/srv/app/shop/pricing.py", 9, 'tier = customer["tier"]')


def test_chained_tracebacks_give_the_raised_one() -> None:
    parsed = parse_traceback(CHAINED)
    assert parsed is not None
    assert parsed.exception_type == "PaymentFailed"  # qualified name cut like Sentry's type
    assert parsed.exception_message == "card 4242 declined"
    assert [f.function for f in parsed.frames] == ["pay", "charge"]


def test_log_lines_with_prefixes_and_other_lines_after() -> None:
    prefix = "2026-11-22T10:00:0{n}.{n}12Z web.1 ERROR "
    lines = [prefix.format(n=n % 10) + line for n, line in enumerate(PLAIN.splitlines())]
    lines.append("2026-11-22T10:00:09.912Z web.1 INFO GET /health 200")
    parsed = find_traceback({"service": "shop", "log": lines})
    assert parsed is not None
    assert parsed.exception_type == "KeyError" and parsed.exception_message == "'tier'"
    assert [f.lineno for f in parsed.frames] == [7, 7, 9]


def test_nested_custom_details() -> None:
    parsed = find_traceback({"error": {"stack": PLAIN, "count": 3}, "host": "web-1"})
    assert parsed is not None and parsed.frames[-1].function == "loyalty_factor"


def test_text_without_a_traceback() -> None:
    assert parse_traceback("disk almost full on /var") is None
    assert find_traceback({"message": "Traceback mentioned but no frames"}) is None
    assert find_traceback([1, 2, {"a": None}]) is None
