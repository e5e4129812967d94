"""Billing: the invoice-mail commit and unrelated commits any billing case may use."""

from __future__ import annotations

from evals.independent.model import Commit, Edit, Write, dedent

MAILING = Commit(dedent('''
    E-mail invoices to the account's billing contact

    run_monthly and the new onboard job send each invoice by mail right after issuing it.
    '''), (
    Edit("billing/mailer.py", "from __future__ import annotations\n",
         "from __future__ import annotations\n\n"
         "from billing.accounts import Account\nfrom billing.invoices import Invoice\n"),
    Edit("billing/mailer.py", "    return address.strip().lower()\n", dedent('''
            return address.strip().lower()


        def invoice_mail(account: Account, invoice: Invoice, outbox: Outbox) -> None:
            to = normalize(account.billing_email)
            outbox.send(to, f"Invoice {invoice.number}",
                        f"Hello {account.name}, your invoice {invoice.number} over "
                        f"{invoice.total} is due on {invoice.due:%Y-%m-%d}.")
        ''')),
    Edit("billing/jobs.py", dedent('''
        def run_monthly(repo: AccountRepo, book: InvoiceBook, year: int,
                        month: int) -> list[Invoice]:
            return [book.monthly(account, year, month) for account in repo.all()]
        '''), dedent('''
        def run_monthly(repo: AccountRepo, book: InvoiceBook, year: int, month: int,
                        outbox: Outbox) -> list[Invoice]:
            issued = []
            for account in repo.all():
                invoice = book.monthly(account, year, month)
                invoice_mail(account, invoice, outbox)
                issued.append(invoice)
            return issued


        def onboard(repo: AccountRepo, book: InvoiceBook, account: Account, start: date,
                    outbox: Outbox) -> Invoice:
            """A new account: stored, invoiced for the rest of its first month, mailed."""
            repo.add(account)
            invoice = book.prorated(account, start)
            invoice_mail(account, invoice, outbox)
            return invoice
        ''')),
    Edit("billing/jobs.py",
         "from billing import reports\nfrom billing.accounts import AccountRepo\n",
         "from datetime import date\n\nfrom billing import reports\n"
         "from billing.accounts import Account, AccountRepo\n"),
    Edit("billing/jobs.py", "from billing.invoices import Invoice, InvoiceBook\n",
         "from billing.invoices import Invoice, InvoiceBook\n"
         "from billing.mailer import Outbox, invoice_mail\n"),
    Write("tests/test_jobs.py", dedent('''
        from billing.accounts import Account, AccountRepo
        from billing.invoices import InvoiceBook
        from billing.jobs import run_monthly
        from billing.mailer import Outbox
        from billing.settings import load


        def test_monthly_run_mails_every_invoice():
            repo = AccountRepo((Account(1, "Acme", "ops@acme.test", billing_email="AP@acme.test"),
                                Account(2, "Bolt", "hi@bolt.test", billing_email="pay@bolt.test")))
            outbox = Outbox()
            issued = run_monthly(repo, InvoiceBook(load({})), 2026, 5, outbox)
            assert [m["to"] for m in outbox.sent] == ["ap@acme.test", "pay@bolt.test"]
            assert outbox.sent[0]["subject"] == f"Invoice {issued[0].number}"
        ''')),
), author="Helena Costa <helena@acme.test>")

LOGGING = Commit("Structured log lines for the scheduler", (
    Write("billing/logs.py", dedent('''
        """One JSON object per log line, as the log shipper expects."""

        from __future__ import annotations

        import json
        import logging


        class JsonFormatter(logging.Formatter):
            def format(self, record: logging.LogRecord) -> str:
                return json.dumps({"level": record.levelname, "logger": record.name,
                                   "message": record.getMessage()})


        def setup(level: int = logging.INFO) -> None:
            handler = logging.StreamHandler()
            handler.setFormatter(JsonFormatter())
            logging.basicConfig(level=level, handlers=[handler], force=True)
        ''')),
    Write("tests/test_logs.py", dedent('''
        import json
        import logging

        from billing.logs import JsonFormatter


        def test_json_lines():
            record = logging.LogRecord("billing", logging.INFO, __file__, 1, "hi %s", ("x",), None)
            assert json.loads(JsonFormatter().format(record))["message"] == "hi x"
        ''')),
), author="Tomas Novak <tomas@acme.test>")

DEPS = Commit("Pin pytest for CI", (
    Write("requirements-dev.txt", "pytest>=8,<9\n"),
), author="Tomas Novak <tomas@acme.test>")

DOCS = Commit("Docs: how dunning levels escalate", (
    Write("docs/dunning.md", dedent('''
        # Dunning

        Reminders go out daily for unpaid invoices past their due date: "first" up to 14
        days, "second" up to 30, then "final". Credit notes settle the invoice they cancel.
        ''')),
), author="Helena Costa <helena@acme.test>")
