"""Payments: fees in Decimal, provider webhooks and split payments."""

# Spec modules embed the services' source text verbatim; its lines may run long.
# ruff: noqa: E501

from __future__ import annotations

from evals.generate.spec import Case, Commit, Crash, Edit, pad, src

INIT = src('"""Payments service."""')

FEES_V1 = src('''
    """Card processing fees."""

    from decimal import ROUND_HALF_UP, Decimal

    PERCENT = Decimal("0.014")
    FIXED = Decimal("0.25")


    def cents(value):
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


    def card_fee(amount):
        return cents(amount * PERCENT + FIXED)


    def payout(amount):
        return cents(amount - card_fee(amount))
''')

decimal_float = Case(
    id="payments-fee-decimal-float",
    title="TypeError: unsupported operand type(s) for +: 'decimal.Decimal' and 'float' in card_fee",
    source="sentry",
    service="payments",
    start="2026-11-02T09:00:00",
    commits=[
        Commit(
            "Card fees and payouts in Decimal",
            "chen",
            files={
                "payments/__init__.py": INIT,
                "payments/fees.py": FEES_V1,
                "tests/test_fees.py": src('''
                    from decimal import Decimal

                    from payments.fees import card_fee, payout


                    def test_fee():
                        assert card_fee(Decimal("100.00")) == Decimal("1.65")


                    def test_payout():
                        assert payout(Decimal("100.00")) == Decimal("98.35")
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Fees: no fee on zero amounts",
            "ana",
            edits=[
                Edit(
                    "payments/fees.py",
                    "def card_fee(amount):\n",
                    "def card_fee(amount):\n    if not amount:\n        return Decimal(\"0.00\")\n",
                )
            ],
            deploy="production",
            hours=24,
        ),
        Commit(
            "Fees: surcharge for international cards\n\n"
            "Cards issued outside the EEA pay 1.5% on top.",
            "fay",
            edits=[
                Edit(
                    "payments/fees.py",
                    'FIXED = Decimal("0.25")\n',
                    'FIXED = Decimal("0.25")\nINTERNATIONAL_SURCHARGE = 0.015\n',
                ),
                Edit(
                    "payments/fees.py",
                    "def card_fee(amount):\n",
                    "def card_fee(amount, international=False):\n",
                ),
                Edit(
                    "payments/fees.py",
                    "    return cents(amount * PERCENT + FIXED)\n",
                    "    rate = PERCENT + INTERNATIONAL_SURCHARGE if international else PERCENT\n"
                    "    return cents(amount * rate + FIXED)\n",
                ),
                Edit(
                    "payments/fees.py",
                    "def payout(amount):\n    return cents(amount - card_fee(amount))\n",
                    "def payout(amount, international=False):\n"
                    "    return cents(amount - card_fee(amount, international))\n",
                ),
            ],
            deploy="production",
            hours=28,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="payments.fees:payout",
        args='Decimal("240.00"), True',
        tags={"transaction": "task payments.settle_charge", "card_region": "non-eea"},
    ),
    files=["payments/fees.py"],
    functions=["card_fee"],
    judge=src('''
        from decimal import Decimal

        from payments.fees import card_fee, payout


        def test_international_fee():
            assert card_fee(Decimal("100.00"), international=True) == Decimal("3.15")
            assert payout(Decimal("240.00"), True) == Decimal("232.79")


        def test_domestic_unchanged():
            assert card_fee(Decimal("100.00")) == Decimal("1.65")
            assert card_fee(Decimal("0")) == Decimal("0.00")
    '''),
    fix=[
        Edit(
            "payments/fees.py",
            "INTERNATIONAL_SURCHARGE = 0.015\n",
            'INTERNATIONAL_SURCHARGE = Decimal("0.015")\n',
        )
    ],
    tags=["TypeError", "types", "regression"],
)

WEBHOOK_V1 = src('''
    """Handles the card provider's webhooks."""


    def net_amount(obj):
        return obj["amount"] - obj["fee"]


    def handle(event):
        kind = event["type"]
        obj = event["data"]["object"]
        if kind == "charge.succeeded":
            return {"ledger": "credit", "id": obj["id"], "net": net_amount(obj)}
        return {"ledger": "ignored", "id": obj["id"]}
''')

webhook_key = Case(
    id="payments-webhook-refund-missing-fee",
    title="KeyError: 'fee' handling charge.refunded webhooks",
    source="sentry",
    service="payments",
    start="2026-11-03T10:00:00",
    commits=[
        Commit(
            "Provider webhooks: book successful charges",
            "gus",
            files={
                "payments/__init__.py": INIT,
                "payments/webhooks.py": WEBHOOK_V1,
                "tests/test_webhooks.py": src('''
                    from payments.webhooks import handle


                    def test_charge():
                        event = {"type": "charge.succeeded", "data": {"object": {"id": "ch_1", "amount": 1000, "fee": 39}}}
                        assert handle(event) == {"ledger": "credit", "id": "ch_1", "net": 961}


                    def test_other_events_ignored():
                        assert handle({"type": "x", "data": {"object": {"id": "o"}}})["ledger"] == "ignored"
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Webhooks: book refunds as debits\n\n"
            "Refund events reuse net_amount so fees are handled the same way.",
            "hana",
            edits=[
                Edit(
                    "payments/webhooks.py",
                    '        return {"ledger": "credit", "id": obj["id"], "net": net_amount(obj)}\n',
                    '        return {"ledger": "credit", "id": obj["id"], "net": net_amount(obj)}\n'
                    '    if kind == "charge.refunded":\n'
                    '        return {"ledger": "debit", "id": obj["id"], "net": net_amount(obj)}\n',
                ),
            ],
            deploy="production",
            hours=26,
        ),
        Commit(
            "Webhooks: ignore test-mode events",
            "gus",
            edits=[
                Edit(
                    "payments/webhooks.py",
                    '    kind = event["type"]\n',
                    '    kind = event["type"]\n'
                    '    if not event.get("livemode", True):\n'
                    '        return {"ledger": "ignored", "id": event["data"]["object"]["id"]}\n',
                )
            ],
            deploy="production",
            hours=22,
        ),
    ],
    culprit=1,
    crash=Crash(
        target="payments.webhooks:handle",
        args='{"id": "evt_3QfX", "type": "charge.refunded", "livemode": True, '
        '"data": {"object": {"id": "ch_3QfW", "amount": 2500, "amount_refunded": 2500}}}',
        tags={"transaction": "POST /webhooks/provider"},
    ),
    files=["payments/webhooks.py"],
    functions=["net_amount", "handle"],
    judge=src('''
        from payments.webhooks import handle


        def test_refund_without_fee_field():
            event = {"type": "charge.refunded", "livemode": True,
                     "data": {"object": {"id": "ch_3QfW", "amount": 2500, "amount_refunded": 2500}}}
            out = handle(event)
            assert out["ledger"] == "debit" and out["id"] == "ch_3QfW" and out["net"] == 2500


        def test_charge_still_nets_fee():
            event = {"type": "charge.succeeded", "data": {"object": {"id": "ch_1", "amount": 1000, "fee": 39}}}
            assert handle(event)["net"] == 961
    '''),
    fix=[
        Edit(
            "payments/webhooks.py",
            '    return obj["amount"] - obj["fee"]\n',
            '    return obj["amount"] - obj.get("fee", 0)\n',
        )
    ],
    tags=["KeyError", "missing-key", "regression"],
)

SPLIT_V1 = src('''
    """Split a payment between several cards or people."""

    from decimal import ROUND_HALF_UP, Decimal


    class SplitError(ValueError):
        pass


    def split(total, parts):
        total = Decimal(total)
        share = (total / parts).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        shares = [share] * parts
        if sum(shares) != total:
            raise SplitError(f"shares {sum(shares)} do not add up to {total}")
        return shares
''')

split_rounding = Case(
    id="payments-split-rounding",
    title="SplitError: shares 99.99 do not add up to 100.00",
    source="sentry",
    service="payments",
    start="2026-10-05T12:00:00",
    commits=[
        Commit(
            "Split payments",
            "eli",
            files={
                "payments/__init__.py": INIT,
                "payments/split.py": SPLIT_V1,
                "tests/test_split.py": src('''
                    from decimal import Decimal

                    from payments.split import split


                    def test_even_split():
                        assert split("90.00", 3) == [Decimal("30.00")] * 3


                    def test_two_ways():
                        assert split("10.00", 2) == [Decimal("5.00")] * 2
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Split: reject zero parts",
            "eli",
            edits=[
                Edit(
                    "payments/split.py",
                    "    total = Decimal(total)\n",
                    "    if parts < 1:\n"
                    '        raise SplitError("need at least one part")\n'
                    "    total = Decimal(total)\n",
                )
            ],
            deploy="production",
            hours=200,
        ),
        Commit(
            "Split: type hints",
            "ben",
            edits=[
                Edit("payments/split.py", "def split(total, parts):\n", "def split(total: str, parts: int) -> list[Decimal]:\n")
            ],
            deploy="production",
            hours=250,
        ),
    ],
    culprit=None,
    crash=Crash(
        target="payments.split:split",
        args='"100.00", 3',
        tags={"transaction": "POST /payments/split"},
    ),
    files=["payments/split.py"],
    functions=["split"],
    judge=src('''
        from decimal import Decimal

        import pytest

        from payments.split import SplitError, split


        def test_remainder_cents_go_to_the_first_payers():
            assert split("100.00", 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
            assert split("0.05", 3) == [Decimal("0.02"), Decimal("0.02"), Decimal("0.01")]


        def test_even_and_invalid():
            assert split("90.00", 3) == [Decimal("30.00")] * 3
            with pytest.raises(SplitError):
                split("10.00", 0)
    '''),
    fix=[
        Edit(
            "payments/split.py",
            '    share = (total / parts).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)\n'
            "    shares = [share] * parts\n",
            "    cents = int((total * 100).to_integral_value(rounding=ROUND_HALF_UP))\n"
            "    base, extra = divmod(cents, parts)\n"
            '    shares = [Decimal(base + (1 if i < extra else 0)) / 100 for i in range(parts)]\n'
            '    shares = [s.quantize(Decimal("0.01")) for s in shares]\n',
        )
    ],
    tags=["business-rule", "hard", "predates-history", "domain-knowledge"],
)

CASES = [
    pad(decimal_float, "health", "ci"),
    pad(webhook_key, "changelog"),
    split_rounding,
]
