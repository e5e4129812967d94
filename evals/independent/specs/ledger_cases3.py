"""Ledger cases: a renamed webhook-secret setting and a rounding helper that moved (CI)."""

from __future__ import annotations

from evals.independent.model import Case, Commit, Deploy, Edit, Write, dedent
from evals.independent.specs.ledger_base import BASE
from evals.independent.specs.ledger_fillers import AUDIT, LINT, RUNBOOK

ROTATE = Commit(dedent('''
    Webhook secret rotation: LEDGER_WEBHOOK_SECRETS, settings["signing_secrets"]

    The bank rotates the shared secret every quarter and signs with the old one for a
    week. LEDGER_WEBHOOK_SECRET becomes LEDGER_WEBHOOK_SECRETS (comma-separated, newest
    first; settings key "signing_secrets"). Outgoing notifications sign with the newest.
    '''), (
    Edit("ledger/settings.py", '"webhook_secret": env.get("LEDGER_WEBHOOK_SECRET", ""),',
         '"signing_secrets": [s.strip() for s in env.get("LEDGER_WEBHOOK_SECRETS", "").split(",")\n'
         "                            if s.strip()],"),
    Edit("ledger/outgoing.py", 'sign(settings["webhook_secret"], body)',
         'sign(settings["signing_secrets"][0], body)'),
    Edit("README.md", "`LEDGER_WEBHOOK_SECRET`.",
         "`LEDGER_WEBHOOK_SECRETS` (comma-separated, newest first)."),
    Write("tests/test_outgoing.py", dedent('''
        from ledger.outgoing import signed_notification
        from ledger.settings import load
        from ledger.webhooks import sign


        def test_outgoing_signed_with_newest_secret():
            settings = load({"LEDGER_WEBHOOK_SECRETS": "new, old"})
            assert settings["signing_secrets"] == ["new", "old"]
            body, signature = signed_notification(settings, {"paid": 1})
            assert signature == sign("new", body)
        ''')),
), author="Omar Haddad <omar@acme.test>")

WEBHOOK_JUDGE = dedent('''
    import json

    from ledger.accounts import AccountBook, open_account
    from ledger.journal import Journal
    from ledger.settings import load
    from ledger.webhooks import handle_bank_webhook, sign

    SETTINGS = load({"LEDGER_WEBHOOK_SECRETS": "q4-secret,q3-secret"})
    BODY = json.dumps({"type": "incoming_payment", "id": "BK-1", "account": "A1",
                       "amount": 2500}).encode()


    def receive(secret):
        book = AccountBook((open_account("A1", "Ana"),))
        answer = handle_bank_webhook(SETTINGS, book, Journal(), BODY, sign(secret, BODY))
        return answer["status"], book.get("A1").balance


    def test_current_and_previous_secret_are_accepted():
        assert receive("q4-secret") == (200, 2500)
        assert receive("q3-secret") == (200, 2500)


    def test_wrong_secret_is_rejected():
        assert receive("guess") == (401, 0)
    ''')

SECRET_RENAME = Case(
    id="ind-ledger-webhook-secret-setting-rename",
    title="KeyError: 'webhook_secret' in webhooks.verify",
    source="sentry", kind="2 settings-key-rename", position="older-deploy",
    service="ledger",
    summary="settings['webhook_secret'] became settings['signing_secrets'] (a list, for "
            "rotation); webhooks.verify still reads the old key. Wrong fix: "
            ".get('webhook_secret', '') rejects every bank notification with 401; the judge "
            "checks payments signed with the current or previous secret are booked.",
    steps=[(BASE, "2026-09-01T09:00:00Z"), (LINT, "2026-09-03T10:00:00Z"),
           Deploy("2026-09-03T15:00:00Z"), (ROTATE, "2026-09-10T10:00:00Z"),
           Deploy("2026-09-10T14:00:00Z"), (AUDIT, "2026-09-10T16:00:00Z"),
           (RUNBOOK, "2026-09-11T09:00:00Z"), Deploy("2026-09-11T10:00:00Z")],
    culprit=ROTATE,
    first_error_at="2026-09-10T14:02:51Z",
    event_at="2026-09-11T10:31:07Z", received_at="2026-09-11T10:31:10Z",
    crash=dedent('''
        import json
        from ledger.accounts import AccountBook, open_account
        from ledger.journal import Journal
        from ledger.settings import load
        from ledger.webhooks import handle_bank_webhook, sign
        settings = load({"LEDGER_WEBHOOK_SECRETS": "q4-secret,q3-secret"})
        body = json.dumps({"type": "incoming_payment", "id": "BK-88123", "account": "A1",
                           "amount": 2500}).encode()
        handle_bank_webhook(settings, AccountBook((open_account("A1", "Ana"),)), Journal(),
                            body, sign("q4-secret", body))
        '''),
    judge={"test_judge_bank_webhook.py": WEBHOOK_JUDGE},
    good_fix=[Edit("ledger/webhooks.py",
                   '    return hmac.compare_digest(sign(settings["webhook_secret"], body), '
                   "signature)\n",
                   "    return any(hmac.compare_digest(sign(secret, body), signature)\n"
                   '               for secret in settings["signing_secrets"])\n')],
    wrong_fix=[Edit("ledger/webhooks.py", 'sign(settings["webhook_secret"], body)',
                    'sign(settings.get("webhook_secret", ""), body)')],
    wrong_fix_kind="dict.get default",
    files=["ledger/webhooks.py"], functions=["verify"],
    tags=["KeyError", "config", "rename"], issue_count=58,
)

MOVE_ROUNDING = Commit(dedent('''
    Round half to even (finance policy FIN-7): quantize_cents moves to ledger.money.to_cents

    Auditors flagged the upward bias of half-up rounding on FX conversions. Rounding of
    money lives in ledger/money.py now; fx.convert uses it.
    '''), (
    Write("ledger/money.py", dedent('''
        """Rounding of money amounts: half to even (finance policy FIN-7)."""

        from __future__ import annotations

        from decimal import ROUND_HALF_EVEN, Decimal


        def to_cents(amount: Decimal) -> int:
            return int(amount.quantize(Decimal("1"), rounding=ROUND_HALF_EVEN))
        ''')),
    Edit("ledger/fx.py", "from decimal import ROUND_HALF_UP, Decimal\n",
         "from decimal import Decimal\n\nfrom ledger.money import to_cents\n"),
    Edit("ledger/fx.py", dedent('''
        def quantize_cents(amount: Decimal) -> int:
            return int(amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


        '''), ""),
    Edit("ledger/fx.py", "return quantize_cents(Decimal(cents)", "return to_cents(Decimal(cents)"),
    Edit("tests/test_transfers.py", "== (5000, 5433)", "== (5000, 5432)"),
    Edit("tests/test_transfers.py", "== [-5000, 5433]", "== [-5000, 5432]"),
    Write("tests/test_rounding.py", dedent('''
        from decimal import Decimal

        from ledger.journal import Journal
        from ledger.money import to_cents
        from ledger.statements import summary


        def test_half_even():
            assert [to_cents(Decimal(x)) for x in ("0.5", "1.5", "2.5", "-2.5")] == [0, 2, 2, -2]


        def test_summary_in_eur():
            journal = Journal()
            journal.post("B1", 2500, "USD", "fee", "T1")
            assert summary(journal) == {"B1": 2301}
        ''')),
), author="Yuki Sato <yuki@acme.test>")

ROUNDING_JUDGE = dedent('''
    from ledger.fx import convert
    from ledger.journal import Journal
    from ledger.statements import summary


    def test_summary_rounds_half_to_even_like_transfers():
        journal = Journal()
        journal.post("B1", 1000, "USD", "fee", "T1")
        journal.post("B2", 5000, "EUR", "rent", "T2")
        journal.post("B3", 3000, "USD", "fee", "T3")
        assert summary(journal) == {"B1": 920, "B2": 5000, "B3": 2762}
        assert summary(journal)["B1"] == convert(1000, "USD", "EUR")
    ''')

ROUNDING_MOVED = Case(
    id="ind-ledger-rounding-helper-moved",
    title="CI red on main: module 'ledger.fx' has no attribute 'quantize_cents'",
    source="ci", kind="4 moved-helper", position="newest-but-one", service="ledger",
    summary="fx.quantize_cents (half-up) became ledger.money.to_cents (half-even, finance "
            "policy); statements.convert_amount still calls fx.quantize_cents and a visible "
            "test fails. Wrong fix: a local half-up copy; the judge checks half-even and that "
            "statements agree with fx.convert.",
    steps=[(BASE, "2026-10-05T09:00:00Z"), (LINT, "2026-10-06T10:00:00Z"),
           Deploy("2026-10-06T15:00:00Z"), (AUDIT, "2026-10-12T11:00:00Z"),
           Deploy("2026-10-13T10:00:00Z"), (MOVE_ROUNDING, "2026-10-19T14:00:00Z"),
           (RUNBOOK, "2026-10-19T14:20:00Z")],
    culprit=MOVE_ROUNDING,
    event_at="2026-10-19T14:22:45Z", received_at="2026-10-19T14:22:47Z",
    judge={"test_judge_rounding.py": ROUNDING_JUDGE},
    good_fix=[Edit("ledger/statements.py", "from ledger.journal import Journal\n",
                   "from ledger.journal import Journal\nfrom ledger.money import to_cents\n"),
              Edit("ledger/statements.py", "return fx.quantize_cents(Decimal(cents) * rate)",
                   "return to_cents(Decimal(cents) * rate)")],
    wrong_fix=[Edit("ledger/statements.py", "from decimal import Decimal\n",
                    "from decimal import ROUND_HALF_UP, Decimal\n"),
               Edit("ledger/statements.py", "return fx.quantize_cents(Decimal(cents) * rate)",
                    'return int((Decimal(cents) * rate).quantize(Decimal("1"), '
                    "rounding=ROUND_HALF_UP))")],
    wrong_fix_kind="local copy of the old helper",
    files=["ledger/statements.py"], functions=["convert_amount"],
    tags=["AttributeError", "ci", "move"],
)
