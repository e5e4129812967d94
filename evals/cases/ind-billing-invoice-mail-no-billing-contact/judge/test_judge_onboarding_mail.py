from datetime import date
from decimal import Decimal

from billing.accounts import Account, AccountRepo
from billing.invoices import InvoiceBook
from billing.jobs import onboard, run_monthly
from billing.mailer import Outbox
from billing.settings import load


def test_self_serve_account_gets_its_invoice_at_its_email():
    repo, book, outbox = AccountRepo(), InvoiceBook(load({})), Outbox()
    invoice = onboard(repo, book, Account(5012, "Kiosk Nord", "Owner@Kiosk-Nord.test"),
                      date(2026, 4, 16), outbox)
    assert invoice.net == Decimal("24.50")
    assert [(m["to"], m["subject"]) for m in outbox.sent] == [
        ("owner@kiosk-nord.test", f"Invoice {invoice.number}")]


def test_billing_contact_wins_when_set():
    repo = AccountRepo((Account(1, "Acme", "ops@acme.test", billing_email="ap@acme.test"),
                        Account(2, "Kiosk", "owner@kiosk.test")))
    outbox = Outbox()
    run_monthly(repo, InvoiceBook(load({})), 2026, 5, outbox)
    assert [m["to"] for m in outbox.sent] == ["ap@acme.test", "owner@kiosk.test"]
