"""The `billing` service: base tree and unrelated commits that any billing case may use."""

from __future__ import annotations

from evals.independent.model import Commit, Write, dedent
from evals.independent.specs.shop_base import PYPROJECT

ACCOUNTS = dedent('''
    """Customer accounts."""

    from __future__ import annotations

    from dataclasses import dataclass


    @dataclass
    class Account:
        """`billing_email` is optional: accounts without one get invoices at `email`."""

        id: int
        name: str
        email: str
        plan: str = "standard"
        currency: str = "EUR"
        country: str = "DE"
        billing_email: str | None = None
        tax_exempt: bool = False


    class AccountRepo:
        def __init__(self, accounts: tuple[Account, ...] = ()) -> None:
            self._by_id = {a.id: a for a in accounts}

        def add(self, account: Account) -> Account:
            self._by_id[account.id] = account
            return account

        def get(self, account_id: int) -> Account:
            return self._by_id[account_id]

        def all(self) -> list[Account]:
            return sorted(self._by_id.values(), key=lambda a: a.id)
    ''')

SETTINGS = dedent('''
    """Settings from the environment."""

    from __future__ import annotations

    import os
    from collections.abc import Mapping
    from decimal import Decimal


    def load(env: Mapping[str, str] | None = None) -> dict:
        env = os.environ if env is None else env
        return {
            "currency": env.get("BILLING_CURRENCY", "EUR"),
            "tax_rate": Decimal(env.get("BILLING_TAX_RATE", "0.19")),
            "invoice_prefix": env.get("INVOICE_PREFIX", "INV"),
            "payment_terms_days": int(env.get("PAYMENT_TERMS_DAYS", "14")),
        }
    ''')

INVOICES = dedent('''
    """Invoices and credit notes."""

    from __future__ import annotations

    from dataclasses import dataclass
    from datetime import date, timedelta
    from decimal import ROUND_HALF_UP, Decimal

    from billing.accounts import Account

    PLAN_PRICES = {"standard": Decimal("49.00"), "pro": Decimal("149.00")}


    def cents(amount: Decimal) -> Decimal:
        return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


    def days_in_month(year: int, month: int) -> int:
        following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return (following - date(year, month, 1)).days


    @dataclass
    class Invoice:
        number: str
        account_id: int
        issued: date
        due: date
        lines: list[tuple[str, Decimal]]
        tax: Decimal
        paid: bool = False

        @property
        def net(self) -> Decimal:
            return sum((amount for _, amount in self.lines), Decimal("0.00"))

        @property
        def total(self) -> Decimal:
            return self.net + self.tax


    class InvoiceBook:
        def __init__(self, settings: dict) -> None:
            self.settings = settings
            self.invoices: list[Invoice] = []
            self._seq = 0

        def next_number(self, issued: date) -> str:
            self._seq += 1
            return f"{self.settings['invoice_prefix']}-{issued:%Y%m}-{self._seq:04d}"

        def find(self, number: str) -> Invoice:
            return next(i for i in self.invoices if i.number == number)

        def tax_for(self, account: Account, net: Decimal) -> Decimal:
            if account.tax_exempt:
                return Decimal("0.00")
            return cents(net * self.settings["tax_rate"])

        def issue(self, account: Account, issued: date,
                  lines: list[tuple[str, Decimal]]) -> Invoice:
            net = sum((amount for _, amount in lines), Decimal("0.00"))
            due = issued + timedelta(days=self.settings["payment_terms_days"])
            invoice = Invoice(self.next_number(issued), account.id, issued, due, lines,
                              self.tax_for(account, net))
            self.invoices.append(invoice)
            return invoice

        def monthly(self, account: Account, year: int, month: int) -> Invoice:
            price = PLAN_PRICES[account.plan]
            return self.issue(account, date(year, month, 1),
                              [(f"{account.plan} plan {year}-{month:02d}", price)])

        def prorated(self, account: Account, start: date) -> Invoice:
            """The first invoice of an account that starts mid-month."""
            days = days_in_month(start.year, start.month)
            used = days - start.day + 1
            amount = cents(PLAN_PRICES[account.plan] * used / days)
            label = f"{account.plan} plan {start:%Y-%m} ({used}/{days} days)"
            return self.issue(account, start, [(label, amount)])

        def credit_note(self, invoice: Invoice, reason: str) -> Invoice:
            """Cancels `invoice` with a negative invoice of the same amounts."""
            net = -invoice.net
            tax = cents(net * self.settings["tax_rate"]) if invoice.tax else Decimal("0.00")
            note = Invoice(self.next_number(invoice.issued), invoice.account_id, invoice.issued,
                           invoice.issued, [(f"credit for {invoice.number}: {reason}", net)], tax)
            invoice.paid = True
            self.invoices.append(note)
            return note

        def overdue(self, today: date) -> list[Invoice]:
            return [i for i in self.invoices if not i.paid and i.due < today and i.total > 0]
    ''')

MAILER = dedent('''
    """Outgoing mail."""

    from __future__ import annotations


    class Outbox:
        def __init__(self) -> None:
            self.sent: list[dict] = []

        def send(self, to: str, subject: str, body: str, cc: tuple[str, ...] = ()) -> None:
            self.sent.append({"to": to, "cc": list(cc), "subject": subject, "body": body})


    def normalize(address: str) -> str:
        return address.strip().lower()
    ''')

DUNNING = dedent('''
    """Reminders for overdue invoices."""

    from __future__ import annotations

    from datetime import date

    from billing.accounts import AccountRepo
    from billing.invoices import InvoiceBook
    from billing.mailer import Outbox, normalize


    def reminder_level(days_overdue: int) -> str:
        if days_overdue > 30:
            return "final"
        if days_overdue > 14:
            return "second"
        return "first"


    def send_reminders(book: InvoiceBook, repo: AccountRepo, outbox: Outbox,
                       today: date) -> list[tuple[str, str]]:
        sent = []
        for invoice in book.overdue(today):
            account = repo.get(invoice.account_id)
            level = reminder_level((today - invoice.due).days)
            outbox.send(normalize(account.email), f"[{level}] Invoice {invoice.number} is overdue",
                        f"Dear {account.name}, invoice {invoice.number} over {invoice.total} "
                        f"is {(today - invoice.due).days} days overdue.")
            sent.append((invoice.number, level))
        return sent
    ''')

REPORTS = dedent('''
    """Numbers for the finance dashboard."""

    from __future__ import annotations

    from decimal import Decimal

    from billing import invoices
    from billing.accounts import Account


    def mrr(accounts: list[Account]) -> dict[str, Decimal]:
        """Monthly recurring revenue per currency."""
        totals: dict[str, Decimal] = {}
        for account in accounts:
            price = invoices.PLAN_PRICES[account.plan]
            totals[account.currency] = totals.get(account.currency, Decimal("0.00")) + price
        return totals
    ''')

JOBS = dedent('''
    """Entry points run by the scheduler and the admin console."""

    from __future__ import annotations

    from billing import reports
    from billing.accounts import AccountRepo
    from billing.invoices import Invoice, InvoiceBook


    def run_monthly(repo: AccountRepo, book: InvoiceBook, year: int,
                    month: int) -> list[Invoice]:
        return [book.monthly(account, year, month) for account in repo.all()]


    def cancel_invoice(book: InvoiceBook, number: str, reason: str) -> Invoice:
        return book.credit_note(book.find(number), reason)


    def dashboard(repo: AccountRepo) -> dict:
        return {"accounts": len(repo.all()), "mrr": reports.mrr(repo.all())}
    ''')

TEST_INVOICES = dedent('''
    from datetime import date
    from decimal import Decimal

    from billing.accounts import Account
    from billing.invoices import InvoiceBook
    from billing.settings import load


    def test_monthly_invoice_has_tax_and_terms():
        book = InvoiceBook(load({}))
        inv = book.monthly(Account(1, "Acme", "ops@acme.test"), 2026, 3)
        assert inv.number == "INV-202603-0001"
        assert (inv.net, inv.tax, inv.total) == (Decimal("49.00"), Decimal("9.31"),
                                                 Decimal("58.31"))
        assert inv.due == date(2026, 3, 15)


    def test_tax_exempt_accounts_pay_no_tax():
        book = InvoiceBook(load({}))
        inv = book.monthly(Account(2, "NGO", "a@ngo.test", tax_exempt=True), 2026, 3)
        assert inv.tax == Decimal("0.00")


    def test_prorated_first_invoice():
        book = InvoiceBook(load({}))
        inv = book.prorated(Account(3, "Late", "l@late.test", plan="pro"), date(2026, 4, 16))
        assert inv.net == Decimal("74.50")
    ''')

TEST_DUNNING = dedent('''
    from billing.dunning import reminder_level


    def test_levels():
        assert [reminder_level(d) for d in (1, 15, 31)] == ["first", "second", "final"]
    ''')

README = dedent('''
    # billing

    Monthly invoices, credit notes, invoice e-mails and dunning.

    Settings: `BILLING_CURRENCY`, `BILLING_TAX_RATE`, `INVOICE_PREFIX`, `PAYMENT_TERMS_DAYS`.
    ''')

BASE = Commit("Billing service: accounts, invoices, credit notes, dunning", (
    Write("pyproject.toml", PYPROJECT.format(name="billing")),
    Write("README.md", README),
    Write("billing/__init__.py", '"""Billing service."""\n'),
    Write("billing/accounts.py", ACCOUNTS),
    Write("billing/settings.py", SETTINGS),
    Write("billing/invoices.py", INVOICES),
    Write("billing/mailer.py", MAILER),
    Write("billing/dunning.py", DUNNING),
    Write("billing/reports.py", REPORTS),
    Write("billing/jobs.py", JOBS),
    Write("tests/test_invoices.py", TEST_INVOICES),
    Write("tests/test_dunning.py", TEST_DUNNING),
), author="Helena Costa <helena@acme.test>")
