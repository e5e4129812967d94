"""Shop cases: a moved money helper (CI) and an order lookup that now returns None."""

from __future__ import annotations

from evals.independent.model import Case, Commit, Deploy, Edit, Write, dedent, ind
from evals.independent.specs.shop_base import BASE
from evals.independent.specs.shop_fillers import CI, EXPORT, HEALTH, RUNBOOK

MOVE_MONEY = Commit(dedent('''
    Move format_money to shop.money; JPY and KRW have no minor unit

    Receipts and reports showed yen as "\\u00a512.00" for a 1200 yen order. format_money
    now lives in shop/money.py and knows zero-decimal currencies; receipts and reports
    use it from there.
    '''), (
    Write("shop/money.py", dedent('''
        """Money formatting shared by receipts, reports and e-mails."""

        from __future__ import annotations

        CURRENCY_SYMBOLS = {"EUR": "\\u20ac", "USD": "$", "GBP": "\\u00a3", "JPY": "\\u00a5",
                            "KRW": "\\u20a9"}
        ZERO_DECIMAL = {"JPY", "KRW"}


        def format_money(amount: int, currency: str) -> str:
            """`amount` is in the currency's minor unit; zero-decimal currencies have none."""
            symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
            if currency in ZERO_DECIMAL:
                return f"{symbol}{amount}"
            return f"{symbol}{amount // 100}.{amount % 100:02d}"
        ''')),
    Edit("shop/receipts.py", dedent('''
        CURRENCY_SYMBOLS = {"EUR": "\\u20ac", "USD": "$", "GBP": "\\u00a3", "JPY": "\\u00a5"}


        def format_money(cents: int, currency: str) -> str:
            symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
            return f"{symbol}{cents // 100}.{cents % 100:02d}"
        '''), "from shop import money\n"),
    Edit("shop/receipts.py", 'price = format_money(', 'price = money.format_money('),
    Edit("shop/receipts.py", '"Total: {format_money(', '"Total: {money.format_money('),
    Edit("shop/reports.py", "from shop.receipts import format_money",
         "from shop.money import format_money"),
    Edit("tests/test_receipts.py", "from shop.receipts import format_money, render_receipt",
         "from shop.money import format_money\nfrom shop.receipts import render_receipt"),
    Edit("tests/test_receipts.py", '    assert format_money(5, "USD") == "$0.05"\n',
         '    assert format_money(5, "USD") == "$0.05"\n'
         '    assert format_money(1200, "JPY") == "\\u00a51200"\n'),
), author="Aiko Tanaka <aiko@acme.test>")

MONEY_JUDGE = dedent('''
    from shop.models import make_order
    from shop.notify import Outbox, shipping_notice
    from shop.receipts import render_receipt

    RELAY = {"host": "relay", "port": 25}


    def test_notice_shows_yen_without_decimals():
        order = make_order(7, [{"sku": "TEA-9", "qty": 1, "unit_cents": 1200}], currency="JPY")
        body = shipping_notice(order, "ken@example.com", Outbox(), RELAY)
        assert body.endswith("Total \\u00a51200.")


    def test_notice_shows_euros_with_cents():
        order = make_order(7, [{"sku": "MUG-1", "qty": 1, "unit_cents": 1250}])
        body = shipping_notice(order, "ana@example.com", Outbox(), RELAY)
        assert body.endswith("Total \\u20ac12.50.")


    def test_receipt_in_yen():
        order = make_order(7, [{"sku": "TEA-9", "qty": 2, "unit_cents": 600}], currency="JPY")
        assert render_receipt(order, "Ken").endswith("Total: \\u00a51200")
    ''')

MONEY_MOVED = Case(
    id="ind-shop-money-helper-moved",
    title="CI red on main: ImportError for format_money in shop.notify",
    source="ci", kind="4 moved-helper", position="newest-but-one", service="shop",
    summary="format_money moved from shop.receipts to shop.money (and learned zero-decimal "
            "currencies); shop.notify still imports it from receipts, so test collection "
            "fails. Wrong fix: a try/except ImportError fallback with the old formatting; "
            "the judge checks a yen shipping notice.",
    steps=[(BASE, "2026-10-12T08:55:00Z"), (CI, "2026-10-13T09:10:00Z"),
           Deploy("2026-10-13T16:00:00Z"), (HEALTH, "2026-10-19T13:20:00Z"),
           Deploy("2026-10-20T10:00:00Z"), (MOVE_MONEY, "2026-10-27T09:30:00Z"),
           (RUNBOOK, "2026-10-27T10:05:00Z")],
    culprit=MOVE_MONEY,
    event_at="2026-10-27T10:07:30Z", received_at="2026-10-27T10:07:32Z",
    judge={"test_judge_money.py": MONEY_JUDGE},
    good_fix=[Edit("shop/notify.py", "from shop.receipts import format_money",
                   "from shop.money import format_money")],
    wrong_fix=[Edit("shop/notify.py", "from shop.receipts import format_money", dedent('''
        try:
            from shop.receipts import format_money
        except ImportError:  # moved away; keep mail working

            def format_money(cents: int, currency: str) -> str:
                return f"{cents / 100:.2f} {currency}"
        ''').rstrip("\n"))],
    wrong_fix_kind="except ImportError fallback",
    files=["shop/notify.py"], functions=["shipping_notice"],
    tags=["ImportError", "ci", "move"],
)

REFUND_LIMIT = Commit("Refunds cannot exceed what is left on the order", (
    Edit("shop/service.py", ind('''
                order = self.store.get(order_id)
                refund = {"order": order["id"], "cents": cents}
        ''', 8), ind('''
                order = self.store.get(order_id)
                already = sum(r["cents"] for r in order.get("refunds", []))
                if cents <= 0 or already + cents > order["total_cents"]:
                    raise ValueError(f"refund of {cents} exceeds order {order['id']}")
                refund = {"order": order["id"], "cents": cents}
        ''', 8)),
    Write("tests/test_refunds.py", dedent('''
        from shop.api import handle
        from shop.service import ShopService


        def test_refund_is_limited_to_the_total():
            svc = ShopService()
            order = svc.checkout(7, [{"sku": "MUG-1", "qty": 1, "unit_cents": 1250}])
            ok = handle(svc, {"action": "refund", "order": order["id"], "cents": "1000"})
            assert ok["status"] == 200
            too_much = handle(svc, {"action": "refund", "order": order["id"], "cents": "300"})
            assert too_much["status"] == 422
        ''')),
), author="Marco Levi <marco@acme.test>")

BY_REFERENCE = Commit(dedent('''
    Look orders up by public reference; OrderStore.get returns None when absent

    Support tools send the reference printed on the receipt ("A-1001"). get() accepts
    it and answers None for an unknown order instead of raising; ship and cancel raise
    OrderNotFound themselves, which the API turns into a 404.
    '''), (
    Edit("shop/store.py", ind('''
            def get(self, order_id: int) -> dict:
                """The order; raises OrderNotFound."""
                try:
                    return self._orders[order_id]
                except KeyError:
                    raise OrderNotFound(order_id) from None
        ''', 4), ind('''
            def get(self, order_id: int | str) -> dict | None:
                """The order, by id or public reference ("A-1001"); None when there is none."""
                if isinstance(order_id, str) and order_id.startswith("A-"):
                    order_id = int(order_id[2:]) if order_id[2:].isdigit() else -1
                return self._orders.get(order_id)
        ''', 4)),
    Edit("shop/service.py", "from shop.store import OrderStore",
         "from shop.store import OrderNotFound, OrderStore"),
    Edit("shop/service.py", ind('''
            def ship(self, order_id: int, settings: dict | None = None) -> dict:
                order = self.store.get(order_id)
        ''', 4), ind('''
            def ship(self, order_id: int | str, settings: dict | None = None) -> dict:
                order = self.store.get(order_id)
                if order is None:
                    raise OrderNotFound(order_id)
        ''', 4)),
    Edit("shop/service.py", ind('''
            def cancel(self, order_id: int) -> dict:
                order = self.store.get(order_id)
        ''', 4), ind('''
            def cancel(self, order_id: int | str) -> dict:
                order = self.store.get(order_id)
                if order is None:
                    raise OrderNotFound(order_id)
        ''', 4)),
    Edit("tests/test_checkout.py", "    assert svc.store.get(order[\"id\"]) is order\n",
         "    assert svc.store.get(order[\"id\"]) is order\n"
         "    assert svc.store.get(f\"A-{order['id']}\") is order\n"
         "    assert svc.store.get(\"A-0\") is None\n"),
    Write("tests/test_lookup.py", dedent('''
        from shop.api import handle
        from shop.service import ShopService


        def test_cancel_by_reference_and_unknown():
            svc = ShopService()
            order = svc.checkout(7, [{"sku": "MUG-1", "qty": 1, "unit_cents": 1250}])
            ref = f"A-{order['id']}"
            assert handle(svc, {"action": "cancel", "order": ref})["status"] == 200
            assert handle(svc, {"action": "cancel", "order": "A-424242"})["status"] == 404
        ''')),
), author="Jonas Berg <jonas@acme.test>")

REFUND_JUDGE = dedent('''
    from shop.api import handle
    from shop.service import ShopService


    def shop():
        svc = ShopService()
        order = svc.checkout(7, [{"sku": "MUG-1", "qty": 2, "unit_cents": 1250}])
        return svc, order


    def test_refund_of_unknown_order_is_a_404():
        svc, _ = shop()
        answer = handle(svc, {"action": "refund", "order": "A-1999", "cents": "500"})
        assert answer["status"] == 404


    def test_refund_by_reference():
        svc, order = shop()
        answer = handle(svc, {"action": "refund", "order": f"A-{order['id']}", "cents": "500"})
        assert answer == {"status": 200, "refund": {"order": order["id"], "cents": 500}}
        assert order["refunds"] == [{"order": order["id"], "cents": 500}]


    def test_refund_limit_still_holds():
        svc, order = shop()
        answer = handle(svc, {"action": "refund", "order": order["id"], "cents": "2600"})
        assert answer["status"] == 422
    ''')

REFUND_NONE = Case(
    id="ind-shop-refund-lookup-none",
    title="AttributeError: 'NoneType' object has no attribute 'get' in ShopService.refund",
    source="sentry", kind="5 contract-none+decoy", position="newest-deploy", service="shop",
    summary="OrderStore.get now returns None for unknown orders and callers raise "
            "OrderNotFound; refund was missed. The crashing line came from an older refund-"
            "limit commit (decoy, weeks in production). Wrong fix: `if order is None: return "
            "None` answers 200 for a refund of nothing; the judge wants a 404 and reference "
            "lookups to keep working.",
    steps=[(BASE, "2026-08-03T09:00:00Z"), (HEALTH, "2026-08-05T10:40:00Z"),
           Deploy("2026-08-05T15:00:00Z"), (REFUND_LIMIT, "2026-08-19T10:20:00Z"),
           Deploy("2026-08-19T16:00:00Z"), (EXPORT, "2026-09-02T14:10:00Z"),
           Deploy("2026-09-02T15:00:00Z"), (BY_REFERENCE, "2026-09-15T11:00:00Z"),
           (CI, "2026-09-15T12:30:00Z"), Deploy("2026-09-15T16:00:00Z")],
    culprit=BY_REFERENCE, decoy=REFUND_LIMIT,
    event_at="2026-09-15T16:42:19Z", received_at="2026-09-15T16:42:22Z",
    crash=dedent('''
        from shop.api import handle
        from shop.service import ShopService
        svc = ShopService()
        svc.checkout(12, [{"sku": "MUG-1", "qty": 1, "unit_cents": 1250}])
        handle(svc, {"action": "refund", "order": "A-1999", "cents": "500"})
        '''),
    judge={"test_judge_refund_lookup.py": REFUND_JUDGE},
    good_fix=[Edit("shop/service.py", ind('''
                order = self.store.get(order_id)
                already = sum(''', 8), ind('''
                order = self.store.get(order_id)
                if order is None:
                    raise OrderNotFound(order_id)
                already = sum(''', 8))],
    wrong_fix=[Edit("shop/service.py", ind('''
                order = self.store.get(order_id)
                already = sum(''', 8), ind('''
                order = self.store.get(order_id)
                if order is None:
                    return None
                already = sum(''', 8))],
    wrong_fix_kind="early return on None",
    files=["shop/service.py"], functions=["ShopService.refund"],
    tags=["AttributeError", "None", "decoy"],
)
