from datetime import date

from billing.numbers import credit_note_number, invoice_number


def test_date_period():
    assert invoice_number(date(2026, 11, 1), 4410) == "INV-2026-11-004410"


def test_string_period():
    assert invoice_number("2026-03", 1) == "INV-2026-03-000001"


def test_credit_note():
    assert credit_note_number("INV-2026-03-000001") == "CN-2026-03-000001"
