"""Ledger cases: a renamed journal key (CI), a latent None overdraft, a renamed webhook
setting, and a rounding helper that moved (CI)."""

from __future__ import annotations

from evals.independent.model import Case, Commit, Deploy, Edit, Write, dedent
from evals.independent.specs.ledger_base import BASE
from evals.independent.specs.ledger_fillers import AUDIT, IBAN, LINT, RUNBOOK

RENAME_AMOUNT = Commit(dedent('''
    Journal entries: "amount" becomes "amount_cents"; postings carry a value date

    Reconciliation needs the value date of each posting, and the bank export confused
    "amount" with major units. Entries say amount_cents now.
    '''), (
    Edit("ledger/journal.py",
         "def post(self, account: str, amount: int, currency: str, memo: str, ref: str) -> dict:",
         "def post(self, account: str, amount: int, currency: str, memo: str, ref: str,\n"
         '             value_date: str = "") -> dict:'),
    Edit("ledger/journal.py", '"amount": amount, "currency": currency,\n'
         '                 "memo": memo, "ref": ref}',
         '"amount_cents": amount, "currency": currency,\n'
         '                 "memo": memo, "ref": ref, "value_date": value_date}'),
    Edit("ledger/statements.py", "{e['amount'] / 100:>10.2f}", "{e['amount_cents'] / 100:>10.2f}"),
    Edit("tests/test_transfers.py", '[e["amount"] for e in journal.entries]',
         '[e["amount_cents"] for e in journal.entries]'),
    Write("tests/test_journal.py", dedent('''
        from ledger.journal import Journal


        def test_value_date():
            entry = Journal().post("A1", 100, "EUR", "x", "T1", value_date="2026-09-21")
            assert (entry["amount_cents"], entry["value_date"]) == (100, "2026-09-21")
        ''')),
), author="Yuki Sato <yuki@acme.test>")

AMOUNT_JUDGE = dedent('''
    from ledger.journal import Journal
    from ledger.statements import summary


    def test_summary_totals_per_account():
        journal = Journal()
        journal.post("A1", -5000, "EUR", "rent", "T00001", "2026-09-21")
        journal.post("C1", 5000, "EUR", "rent", "T00001", "2026-09-21")
        journal.post("A1", 1200, "EUR", "refund", "T00002")
        journal.post("B1", 2000, "USD", "fee", "T00003")
        assert summary(journal) == {"A1": -3800, "C1": 5000, "B1": 1841}


    def test_entries_carry_value_dates():
        entry = Journal().post("A1", 1, "EUR", "x", "T1", "2026-09-22")
        assert entry["value_date"] == "2026-09-22"
    ''')

AMOUNT_KEY = Case(
    id="ind-ledger-journal-amount-key-rename",
    title="CI red on main: KeyError 'amount' in statements.summary",
    source="ci", kind="1 dict-key-rename", position="newest", service="ledger",
    summary="Journal entries renamed 'amount' to 'amount_cents' (and gained value dates); "
            "statements.summary still reads e['amount'] and a visible test fails. Wrong fix: "
            "e.get('amount', 0) makes every total zero; the judge checks the totals.",
    steps=[(BASE, "2026-09-07T09:00:00Z"), (AUDIT, "2026-09-09T10:00:00Z"),
           Deploy("2026-09-09T15:00:00Z"), (IBAN, "2026-09-14T13:00:00Z"),
           Deploy("2026-09-15T10:00:00Z"), (RENAME_AMOUNT, "2026-09-21T11:15:00Z")],
    culprit=RENAME_AMOUNT,
    event_at="2026-09-21T11:17:30Z", received_at="2026-09-21T11:17:32Z",
    judge={"test_judge_summary_totals.py": AMOUNT_JUDGE},
    good_fix=[Edit("ledger/statements.py", 'convert_amount(e["amount"],',
                   'convert_amount(e["amount_cents"],')],
    wrong_fix=[Edit("ledger/statements.py", 'convert_amount(e["amount"],',
                    'convert_amount(e.get("amount", 0),')],
    wrong_fix_kind="dict.get default",
    files=["ledger/statements.py"], functions=["summary"],
    tags=["KeyError", "ci", "rename"],
)

OVERDRAFT_JUDGE = dedent('''
    import pytest

    from ledger.accounts import AccountBook, open_account
    from ledger.journal import Journal
    from ledger.migrate import import_legacy
    from ledger.payouts import run_payouts
    from ledger.transfers import TransferRejected, execute


    def book(rows):
        return AccountBook((*import_legacy(rows), open_account("OPS", "Acme Ops")))


    def test_migrated_premium_account_uses_the_plan_overdraft():
        accounts = book([{"id": "L-20417", "owner": "Brandt KG", "balance": "1200",
                          "plan": "premium"}])
        report = run_payouts(accounts, Journal(), [{"from": "L-20417", "to": "OPS",
                                                    "amount": 30000}])
        assert report["failed"] == [] and accounts.get("L-20417").balance == -28800


    def test_migrated_limits_still_bind():
        accounts = book([{"id": "L-1", "owner": "A", "balance": "100", "plan": "premium",
                          "overdraft": "0"},
                         {"id": "L-2", "owner": "B", "balance": "100", "plan": "basic"}])
        for account_id in ("L-1", "L-2"):
            with pytest.raises(TransferRejected):
                execute(accounts, Journal(), account_id, "OPS", 101)
    ''')

OVERDRAFT_NONE = Case(
    id="ind-ledger-migrated-overdraft-none",
    title="TypeError: unsupported operand type(s) for +: 'int' and 'NoneType' in can_debit",
    source="sentry", kind="6 none-fallback (latent)", position="predates-history",
    service="ledger",
    summary="Latent since the first commit: can_debit adds overdraft_limit, which is None for "
            "accounts migrated without an overdraft column (Account's docstring: None means "
            "the plan's limit). Nothing recent touches it. Wrong fix: `or 0` refuses premium "
            "customers their overdraft; the judge checks the plan limit applies.",
    steps=[(BASE, "2026-05-04T09:00:00Z"), (IBAN, "2026-05-06T10:00:00Z"),
           Deploy("2026-05-06T15:00:00Z"), (AUDIT, "2026-05-20T09:00:00Z"),
           Deploy("2026-05-20T10:00:00Z"), (RUNBOOK, "2026-06-01T14:00:00Z"),
           (LINT, "2026-06-02T09:00:00Z"), Deploy("2026-06-02T11:00:00Z")],
    culprit=None,
    event_at="2026-06-10T01:00:12Z", received_at="2026-06-10T01:00:15Z",
    crash=dedent('''
        from ledger.accounts import AccountBook, open_account
        from ledger.journal import Journal
        from ledger.migrate import import_legacy
        from ledger.payouts import run_payouts
        migrated = import_legacy([{"id": "L-20417", "owner": "Brandt KG", "balance": "1200",
                                   "plan": "premium", "currency": "EUR"}])
        book = AccountBook((*migrated, open_account("OPS", "Acme Ops")))
        run_payouts(book, Journal(), [{"from": "L-20417", "to": "OPS", "amount": 30000,
                                       "memo": "supplier run 24"}])
        '''),
    judge={"test_judge_overdraft.py": OVERDRAFT_JUDGE},
    good_fix=[Edit("ledger/transfers.py", "from ledger.accounts import Account, AccountBook",
                   "from ledger.accounts import PLAN_OVERDRAFT, Account, AccountBook"),
              Edit("ledger/transfers.py",
                   "    return account.balance + account.overdraft_limit >= amount\n",
                   "    limit = account.overdraft_limit\n    if limit is None:\n"
                   "        limit = PLAN_OVERDRAFT[account.plan]\n"
                   "    return account.balance + limit >= amount\n")],
    wrong_fix=[Edit("ledger/transfers.py", "account.balance + account.overdraft_limit >= amount",
                    "account.balance + (account.overdraft_limit or 0) >= amount")],
    wrong_fix_kind="default to zero",
    files=["ledger/transfers.py"], functions=["can_debit"],
    tags=["TypeError", "None", "latent"], issue_count=1,
)
