"""Ledger cases: get_rate returns a Rate, a lookup that returns None, a renamed entry key."""

from __future__ import annotations

from evals.independent.model import Case, Commit, Deploy, Edit, Write, dedent, ind
from evals.independent.specs.ledger_base import BASE
from evals.independent.specs.ledger_fillers import AUDIT, IBAN, RUNBOOK

RATE_TYPE = Commit(dedent('''
    fx.get_rate returns a Rate (value, as_of) so callers can spot stale rates

    The rates job failed silently for two days in July. Rate.is_stale(today) lets the
    transfer screens warn; fx.convert uses rate.value.
    '''), (
    Edit("ledger/fx.py", "from decimal import ROUND_HALF_UP, Decimal\n",
         "from dataclasses import dataclass\nfrom datetime import date\n"
         "from decimal import ROUND_HALF_UP, Decimal\n"),
    Edit("ledger/fx.py", "\n\ndef quantize_cents(", "\n\n" + dedent('''
        RATES_AS_OF = date(2026, 8, 18)


        @dataclass(frozen=True)
        class Rate:
            value: Decimal
            as_of: date

            def is_stale(self, today: date, max_age_days: int = 3) -> bool:
                return (today - self.as_of).days > max_age_days


        def quantize_cents(''')),
    Edit("ledger/fx.py", ind('''
        def get_rate(src: str, dst: str) -> Decimal:
            if src == dst:
                return Decimal("1")
            return RATES[(src, dst)]
        ''', 0), ind('''
        def get_rate(src: str, dst: str) -> Rate:
            if src == dst:
                return Rate(Decimal("1"), RATES_AS_OF)
            return Rate(RATES[(src, dst)], RATES_AS_OF)
        ''', 0)),
    Edit("ledger/fx.py", "Decimal(cents) * get_rate(src, dst))",
         "Decimal(cents) * get_rate(src, dst).value)"),
    Write("tests/test_fx.py", dedent('''
        from datetime import date

        from ledger.fx import convert, get_rate


        def test_rate_staleness():
            rate = get_rate("EUR", "USD")
            assert not rate.is_stale(rate.as_of)
            assert rate.is_stale(date(2030, 1, 1))


        def test_convert():
            assert convert(10000, "EUR", "USD") == 10865
        ''')),
), author="Yuki Sato <yuki@acme.test>")

RATE_JUDGE = dedent('''
    from datetime import timedelta

    from ledger.fx import get_rate
    from ledger.journal import Journal
    from ledger.statements import summary


    def test_summary_converts_foreign_postings():
        journal = Journal()
        journal.post("A1", -5000, "EUR", "rent", "T00001")
        journal.post("B1", 2000, "USD", "refund", "T00002")
        journal.post("B1", 1000, "GBP", "fee", "T00003")
        assert summary(journal, "EUR") == {"A1": -5000, "B1": 1841 + 1168}


    def test_rates_know_their_age():
        rate = get_rate("USD", "EUR")
        assert rate.is_stale(rate.as_of + timedelta(days=4))
    ''')

RATE_DATACLASS = Case(
    id="ind-ledger-fx-rate-dataclass",
    title="TypeError: unsupported operand type(s) for *: 'decimal.Decimal' and 'Rate'",
    source="sentry", kind="5 contract-type", position="newest", service="ledger",
    summary="fx.get_rate now returns a Rate dataclass (value, as_of) instead of a Decimal; "
            "statements.convert_amount still multiplies by it. Wrong fix: skip the conversion "
            "when the rate is not a Decimal, so foreign postings count at face value; the "
            "judge checks converted totals.",
    steps=[(BASE, "2026-08-03T09:00:00Z"), (IBAN, "2026-08-05T10:00:00Z"),
           Deploy("2026-08-05T15:00:00Z"), (AUDIT, "2026-08-11T11:00:00Z"),
           (RUNBOOK, "2026-08-12T09:00:00Z"), Deploy("2026-08-12T10:00:00Z"),
           (RATE_TYPE, "2026-08-19T10:00:00Z"), Deploy("2026-08-19T14:30:00Z")],
    culprit=RATE_TYPE,
    event_at="2026-08-19T17:00:02Z", received_at="2026-08-19T17:00:05Z",
    crash=dedent('''
        from ledger.journal import Journal
        from ledger.statements import summary
        journal = Journal()
        journal.post("A1", -5000, "EUR", "rent", "T00001")
        journal.post("B1", 2000, "USD", "refund", "T00002")
        summary(journal, "EUR")
        '''),
    judge={"test_judge_treasury_summary.py": RATE_JUDGE},
    good_fix=[Edit("ledger/statements.py", "rate = fx.get_rate(src, currency)\n",
                   "rate = fx.get_rate(src, currency).value\n")],
    wrong_fix=[Edit("ledger/statements.py", "    rate = fx.get_rate(src, currency)\n",
                    "    rate = fx.get_rate(src, currency)\n"
                    "    if not isinstance(rate, Decimal):\n        return cents\n")],
    wrong_fix_kind="type guard with early return",
    files=["ledger/statements.py"], functions=["convert_amount"],
    tags=["TypeError", "contract"], issue_count=1,
)

LOG_FX = Commit("Log cross-currency transfers with the amounts on both sides", (
    Edit("ledger/transfers.py", "from ledger import fx\n",
         "import logging\n\nfrom ledger import fx\n"),
    Edit("ledger/transfers.py", "\n\nclass TransferRejected",
         '\nlog = logging.getLogger("ledger.transfers")\n\n\nclass TransferRejected'),
    Edit("ledger/transfers.py", "    dst.balance += credited\n",
         "    dst.balance += credited\n    if src.currency != dst.currency:\n"
         '        log.info("%s: %d %s -> %d %s", ref, amount, src.currency, credited, '
         "dst.currency)\n"),
), author="Omar Haddad <omar@acme.test>")

BY_IBAN = Commit(dedent('''
    AccountBook.get finds accounts by IBAN too and returns None when absent

    Payout files from merchants name the payee by IBAN. get() accepts an id or an IBAN
    and answers None instead of raising; transfers and the bank webhook raise
    AccountNotFound / answer 404 themselves.
    '''), (
    Edit("ledger/accounts.py", "    overdraft_limit: int | None = None\n",
         '    overdraft_limit: int | None = None\n    iban: str = ""\n'),
    Edit("ledger/accounts.py", ind('''
        def get(self, account_id: str) -> Account:
            try:
                return self._by_id[account_id]
            except KeyError:
                raise AccountNotFound(account_id) from None
        ''', 4), ind('''
        def get(self, key: str) -> Account | None:
            """The account by id or by IBAN (spaces ignored); None when there is none."""
            if key in self._by_id:
                return self._by_id[key]
            iban = key.replace(" ", "").upper()
            return next((a for a in self._by_id.values() if a.iban and a.iban == iban), None)
        ''', 4)),
    Edit("ledger/transfers.py", "from ledger.accounts import Account, AccountBook",
         "from ledger.accounts import Account, AccountBook, AccountNotFound"),
    Edit("ledger/transfers.py", "    src = book.get(src_id)\n",
         "    src = book.get(src_id)\n    if src is None:\n"
         "        raise AccountNotFound(src_id)\n"),
    Edit("ledger/webhooks.py", '        account = book.get(event["account"])\n',
         '        account = book.get(event["account"])\n'
         "        if account is None:\n            return {\"status\": 404}\n"),
    Write("tests/test_iban_lookup.py", dedent('''
        from ledger.accounts import Account, AccountBook


        def test_get_by_iban():
            book = AccountBook((Account("M1", "Mo", iban="DE89370400440532013000"),))
            assert book.get("DE89 3704 0044 0532 0130 00").id == "M1"
            assert book.get("M1").id == "M1"
            assert book.get("NOPE") is None
        ''')),
), author="Yuki Sato <yuki@acme.test>")

PAYOUT_JUDGE = dedent('''
    from ledger.accounts import Account, AccountBook, open_account
    from ledger.journal import Journal
    from ledger.payouts import run_payouts


    def book():
        src = open_account("OPS", "Acme Ops", plan="premium")
        src.balance = 100000
        payee = Account("M1", "Mo", "USD", 0, "basic", 0, iban="DE89370400440532013000")
        return AccountBook((src, payee))


    def test_unknown_payee_is_reported_failed():
        accounts, journal = book(), Journal()
        report = run_payouts(accounts, journal, [
            {"from": "OPS", "to": "DE89 3704 0044 0532 0130 00", "amount": 1000},
            {"from": "OPS", "to": "GB00 0000 0000 0000 0000 00", "amount": 700}])
        assert report == {"done": ["T00001"], "failed": ["GB00 0000 0000 0000 0000 00"]}
        assert accounts.get("M1").balance == 1087


    def test_unknown_payer_is_reported_failed():
        report = run_payouts(book(), Journal(), [{"from": "NOPE", "to": "M1", "amount": 5}])
        assert report == {"done": [], "failed": ["M1"]}
    ''')

PAYOUT_NONE = Case(
    id="ind-ledger-payout-lookup-returns-none",
    title="AttributeError: 'NoneType' object has no attribute 'currency' in transfers.execute",
    source="pagerduty", kind="5 contract-none+decoy", position="newest-deploy",
    service="ledger",
    summary="AccountBook.get now takes an id or IBAN and returns None when absent; execute "
            "checks the payer but not the payee. A decoy commit weeks earlier added logging "
            "right after the crashing line. Wrong fix: `if dst is None: return ref` reports "
            "the payout as done; the judge wants it in the batch's failed list.",
    steps=[(BASE, "2026-07-06T09:00:00Z"), (LOG_FX, "2026-07-08T11:00:00Z"),
           Deploy("2026-07-08T15:00:00Z"), (IBAN, "2026-07-22T09:30:00Z"),
           Deploy("2026-07-22T10:00:00Z"), (BY_IBAN, "2026-08-04T10:00:00Z"),
           (RUNBOOK, "2026-08-04T16:00:00Z"), Deploy("2026-08-04T17:00:00Z")],
    culprit=BY_IBAN, decoy=LOG_FX,
    event_at="2026-08-05T01:00:09Z", received_at="2026-08-05T01:00:13Z",
    crash=dedent('''
        from ledger.accounts import Account, AccountBook, open_account
        from ledger.journal import Journal
        from ledger.payouts import run_payouts
        src = open_account("OPS", "Acme Ops", plan="premium")
        src.balance = 100000
        payee = Account("M1", "Mo", "USD", 0, "basic", 0, iban="DE89370400440532013000")
        run_payouts(AccountBook((src, payee)), Journal(), [
            {"from": "OPS", "to": "DE89 3704 0044 0532 0130 00", "amount": 1000},
            {"from": "OPS", "to": "GB00 0000 0000 0000 0000 00", "amount": 700}])
        '''),
    judge={"test_judge_payouts.py": PAYOUT_JUDGE},
    good_fix=[Edit("ledger/transfers.py", "    dst = book.get(dst_id)\n",
                   "    dst = book.get(dst_id)\n    if dst is None:\n"
                   "        raise AccountNotFound(dst_id)\n")],
    wrong_fix=[Edit("ledger/transfers.py", "    dst = book.get(dst_id)\n",
                    "    dst = book.get(dst_id)\n    if dst is None:\n        return ref\n")],
    wrong_fix_kind="early return on None",
    files=["ledger/transfers.py"], functions=["execute"],
    tags=["AttributeError", "None", "decoy"], issue_count=1,
)
