"""The `ledger` payments service: base tree (the fixtures the cases build on)."""

from __future__ import annotations

from evals.independent.model import Commit, Write, dedent
from evals.independent.specs.shop_base import PYPROJECT

ACCOUNTS = dedent('''
    """Accounts; money is in integer cents of the account's currency."""

    from __future__ import annotations

    from dataclasses import dataclass

    # How far below zero an account may go, by plan (cents).
    PLAN_OVERDRAFT = {"basic": 0, "plus": 20000, "premium": 50000}


    class AccountNotFound(LookupError):
        """No account with that id."""


    @dataclass
    class Account:
        """`overdraft_limit` None means the plan's limit (PLAN_OVERDRAFT) applies."""

        id: str
        owner: str
        currency: str = "EUR"
        balance: int = 0
        plan: str = "basic"
        overdraft_limit: int | None = None


    def open_account(account_id: str, owner: str, currency: str = "EUR",
                     plan: str = "basic") -> Account:
        return Account(account_id, owner, currency, 0, plan, PLAN_OVERDRAFT[plan])


    class AccountBook:
        def __init__(self, accounts: tuple[Account, ...] = ()) -> None:
            self._by_id = {a.id: a for a in accounts}

        def add(self, account: Account) -> Account:
            self._by_id[account.id] = account
            return account

        def get(self, account_id: str) -> Account:
            try:
                return self._by_id[account_id]
            except KeyError:
                raise AccountNotFound(account_id) from None
    ''')

FX = dedent('''
    """Exchange rates (refreshed daily by the rates job) and conversion."""

    from __future__ import annotations

    from decimal import ROUND_HALF_UP, Decimal

    RATES = {
        ("EUR", "USD"): Decimal("1.0865"),
        ("USD", "EUR"): Decimal("0.9205"),
        ("EUR", "GBP"): Decimal("0.8560"),
        ("GBP", "EUR"): Decimal("1.1682"),
    }


    def quantize_cents(amount: Decimal) -> int:
        return int(amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


    def get_rate(src: str, dst: str) -> Decimal:
        if src == dst:
            return Decimal("1")
        return RATES[(src, dst)]


    def convert(cents: int, src: str, dst: str) -> int:
        return quantize_cents(Decimal(cents) * get_rate(src, dst))
    ''')

JOURNAL = dedent('''
    """The journal: one posting per account movement."""

    from __future__ import annotations


    class Journal:
        def __init__(self) -> None:
            self.entries: list[dict] = []

        def post(self, account: str, amount: int, currency: str, memo: str, ref: str) -> dict:
            entry = {"account": account, "amount": amount, "currency": currency,
                     "memo": memo, "ref": ref}
            self.entries.append(entry)
            return entry

        def for_account(self, account: str) -> list[dict]:
            return [e for e in self.entries if e["account"] == account]
    ''')

TRANSFERS = dedent('''
    """Moving money between accounts."""

    from __future__ import annotations

    from ledger import fx
    from ledger.accounts import Account, AccountBook
    from ledger.journal import Journal


    class TransferRejected(Exception):
        """Not enough funds (balance plus overdraft)."""


    def can_debit(account: Account, amount: int) -> bool:
        return account.balance + account.overdraft_limit >= amount


    def execute(book: AccountBook, journal: Journal, src_id: str, dst_id: str, amount: int,
                memo: str = "") -> str:
        """Moves `amount` cents of the source's currency; returns the transfer reference."""
        src = book.get(src_id)
        if amount <= 0 or not can_debit(src, amount):
            raise TransferRejected(f"{src_id} cannot pay {amount}")
        ref = f"T{len(journal.entries) // 2 + 1:05d}"
        src.balance -= amount
        journal.post(src.id, -amount, src.currency, memo, ref)
        dst = book.get(dst_id)
        credited = fx.convert(amount, src.currency, dst.currency)
        dst.balance += credited
        journal.post(dst.id, credited, dst.currency, memo, ref)
        return ref
    ''')

PAYOUTS = dedent('''
    """The nightly payout batch."""

    from __future__ import annotations

    import logging

    from ledger.accounts import AccountBook, AccountNotFound
    from ledger.journal import Journal
    from ledger.transfers import TransferRejected, execute

    log = logging.getLogger("ledger.payouts")


    def run_payouts(book: AccountBook, journal: Journal, payouts: list[dict]) -> dict:
        """Each payout is {"from", "to", "amount", "memo"}; failures are reported, not raised."""
        done, failed = [], []
        for payout in payouts:
            try:
                done.append(execute(book, journal, payout["from"], payout["to"],
                                    payout["amount"], payout.get("memo", "payout")))
            except (AccountNotFound, TransferRejected) as exc:
                log.warning("payout %s -> %s failed: %r", payout["from"], payout["to"], exc)
                failed.append(payout["to"])
        return {"done": done, "failed": failed}
    ''')

STATEMENTS = dedent('''
    """Account statements and the treasury summary."""

    from __future__ import annotations

    from decimal import Decimal

    from ledger import fx
    from ledger.journal import Journal


    def convert_amount(cents: int, src: str, currency: str) -> int:
        """`cents` of `src` in `currency` at today's rate."""
        if src == currency:
            return cents
        rate = fx.get_rate(src, currency)
        return fx.quantize_cents(Decimal(cents) * rate)


    def statement(journal: Journal, account: str) -> list[str]:
        return [f"{e['ref']:<7}{e['memo']:<20}{e['amount'] / 100:>10.2f} {e['currency']}"
                for e in journal.for_account(account)]


    def summary(journal: Journal, currency: str = "EUR") -> dict[str, int]:
        """Net movement per account in the reporting currency."""
        totals: dict[str, int] = {}
        for e in journal.entries:
            moved = convert_amount(e["amount"], e["currency"], currency)
            totals[e["account"]] = totals.get(e["account"], 0) + moved
        return totals
    ''')

SETTINGS = dedent('''
    """Settings from the environment."""

    from __future__ import annotations

    import os
    from collections.abc import Mapping


    def load(env: Mapping[str, str] | None = None) -> dict:
        env = os.environ if env is None else env
        return {
            "base_currency": env.get("LEDGER_BASE_CURRENCY", "EUR"),
            "webhook_secret": env.get("LEDGER_WEBHOOK_SECRET", ""),
        }
    ''')

WEBHOOKS = dedent('''
    """Incoming payment notifications from the bank, signed with a shared secret."""

    from __future__ import annotations

    import hashlib
    import hmac
    import json

    from ledger.accounts import AccountBook
    from ledger.journal import Journal


    def sign(secret: str, body: bytes) -> str:
        return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


    def verify(settings: dict, body: bytes, signature: str) -> bool:
        return hmac.compare_digest(sign(settings["webhook_secret"], body), signature)


    def handle_bank_webhook(settings: dict, book: AccountBook, journal: Journal, body: bytes,
                            signature: str) -> dict:
        if not verify(settings, body, signature):
            return {"status": 401}
        event = json.loads(body)
        if event["type"] == "incoming_payment":
            account = book.get(event["account"])
            account.balance += event["amount"]
            journal.post(account.id, event["amount"], account.currency, "incoming",
                         event["id"])
        return {"status": 200}
    ''')

OUTGOING = dedent('''
    """Notifications we send to merchants, signed like the bank signs ours."""

    from __future__ import annotations

    import json

    from ledger.webhooks import sign


    def signed_notification(settings: dict, payload: dict) -> tuple[bytes, str]:
        body = json.dumps(payload, sort_keys=True).encode()
        return body, sign(settings["webhook_secret"], body)
    ''')

MIGRATE = dedent('''
    """Import of accounts from the legacy core-banking export."""

    from __future__ import annotations

    from ledger.accounts import Account


    def import_legacy(rows: list[dict]) -> list[Account]:
        """Rows without an overdraft column get None: the plan's limit applies."""
        accounts = []
        for row in rows:
            overdraft = row.get("overdraft")
            accounts.append(Account(row["id"], row["owner"], row.get("currency", "EUR"),
                                    int(row["balance"]), row.get("plan", "basic"),
                                    int(overdraft) if overdraft not in (None, "") else None))
        return accounts
    ''')

TEST_TRANSFERS = dedent('''
    import pytest

    from ledger.accounts import AccountBook, open_account
    from ledger.journal import Journal
    from ledger.transfers import TransferRejected, execute


    def book():
        a = open_account("A1", "Ana", plan="plus")
        b = open_account("B1", "Ben", currency="USD")
        a.balance = 10000
        return AccountBook((a, b))


    def test_transfer_converts_and_posts_twice():
        accounts, journal = book(), Journal()
        ref = execute(accounts, journal, "A1", "B1", 5000, "rent")
        assert ref == "T00001"
        assert (accounts.get("A1").balance, accounts.get("B1").balance) == (5000, 5433)
        assert [e["amount"] for e in journal.entries] == [-5000, 5433]


    def test_overdraft_limit():
        accounts = book()
        execute(accounts, Journal(), "A1", "B1", 30000)
        assert accounts.get("A1").balance == -20000
        with pytest.raises(TransferRejected):
            execute(accounts, Journal(), "A1", "B1", 1)
    ''')

TEST_STATEMENTS = dedent('''
    from ledger.journal import Journal
    from ledger.statements import statement, summary


    def journal():
        j = Journal()
        j.post("A1", -5000, "EUR", "rent", "T00001")
        j.post("C1", 5000, "EUR", "rent", "T00001")
        return j


    def test_statement_lines():
        assert statement(journal(), "A1") == ["T00001 rent                    -50.00 EUR"]


    def test_summary_has_every_account():
        assert set(summary(journal())) == {"A1", "C1"}
    ''')

README = dedent('''
    # ledger

    Accounts, transfers, the payout batch, statements and bank webhooks.

    Settings: `LEDGER_BASE_CURRENCY`, `LEDGER_WEBHOOK_SECRET`.
    ''')

BASE = Commit("Ledger service: accounts, transfers, payouts, statements, bank webhooks", (
    Write("pyproject.toml", PYPROJECT.format(name="ledger")),
    Write("README.md", README),
    Write("ledger/__init__.py", '"""Ledger service."""\n'),
    Write("ledger/accounts.py", ACCOUNTS),
    Write("ledger/fx.py", FX),
    Write("ledger/journal.py", JOURNAL),
    Write("ledger/transfers.py", TRANSFERS),
    Write("ledger/payouts.py", PAYOUTS),
    Write("ledger/statements.py", STATEMENTS),
    Write("ledger/settings.py", SETTINGS),
    Write("ledger/webhooks.py", WEBHOOKS),
    Write("ledger/outgoing.py", OUTGOING),
    Write("ledger/migrate.py", MIGRATE),
    Write("tests/test_transfers.py", TEST_TRANSFERS),
    Write("tests/test_statements.py", TEST_STATEMENTS),
), author="Omar Haddad <omar@acme.test>")
