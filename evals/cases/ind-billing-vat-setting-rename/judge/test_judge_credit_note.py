from decimal import Decimal

from billing.accounts import Account
from billing.invoices import InvoiceBook
from billing.jobs import cancel_invoice
from billing.settings import load


def test_credit_note_reverses_net_and_tax():
    book = InvoiceBook(load({}))
    invoice = book.monthly(Account(1, "Acme", "ops@acme.test", plan="pro"), 2026, 7)
    note = cancel_invoice(book, invoice.number, "duplicate")
    assert (note.net, note.tax, note.total) == (Decimal("-149.00"), Decimal("-28.31"),
                                                Decimal("-177.31"))
    assert invoice.paid and book.overdue(invoice.due.replace(year=2027)) == []


def test_credit_note_of_tax_exempt_invoice_has_no_tax():
    book = InvoiceBook(load({}))
    invoice = book.monthly(Account(2, "NGO", "a@ngo.test", tax_exempt=True), 2026, 7)
    assert cancel_invoice(book, invoice.number, "wrong plan").tax == Decimal("0.00")


def test_vat_overrides():
    book = InvoiceBook(load({"BILLING_VAT_RATE": "0.19", "BILLING_VAT_OVERRIDES": "AT=0.20"}))
    invoice = book.monthly(Account(3, "Wien", "w@wien.test", country="AT"), 2026, 7)
    assert invoice.tax == Decimal("9.80")
