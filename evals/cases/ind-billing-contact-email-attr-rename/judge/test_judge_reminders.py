from datetime import date

from billing.accounts import Account, AccountRepo
from billing.dunning import send_reminders
from billing.invoices import InvoiceBook
from billing.jobs import run_monthly
from billing.mailer import Outbox
from billing.settings import load


def test_reminders_reach_the_contact():
    acct = Account(7, "Bolt", "Hi@Bolt.test", billing_email="pay@bolt.test")
    repo, book = AccountRepo((acct,)), InvoiceBook(load({}))
    invoice = book.monthly(acct, 2026, 5)
    outbox = Outbox()
    sent = send_reminders(book, repo, outbox, date(2026, 6, 5))
    assert sent == [(invoice.number, "second")]
    assert outbox.sent[0]["to"] == "hi@bolt.test"


def test_invoice_mail_cc():
    acct = Account(8, "Acme", "ops@acme.test", cc_emails=("cfo@acme.test",))
    outbox = Outbox()
    run_monthly(AccountRepo((acct,)), InvoiceBook(load({})), 2026, 5, outbox)
    assert outbox.sent[0]["cc"] == ["cfo@acme.test"]
