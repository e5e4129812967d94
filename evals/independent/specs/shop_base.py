"""The `shop` order service: the base tree every shop case starts from."""

from __future__ import annotations

from evals.independent.model import Commit, Write, dedent

PYPROJECT = dedent('''
    [project]
    name = "{name}"
    version = "1.0.0"
    requires-python = ">=3.11"

    [tool.pytest.ini_options]
    testpaths = ["tests"]
    ''')

MODELS = dedent('''
    """Orders as plain dicts: what checkout produces and everything else reads."""

    from __future__ import annotations

    import itertools

    _ids = itertools.count(1001)


    def make_order(user_id: int, items: list[dict], currency: str = "EUR") -> dict:
        """A new order; items are {"sku", "qty", "unit_cents"}."""
        total = sum(item["qty"] * item["unit_cents"] for item in items)
        return {
            "id": next(_ids),
            "user": user_id,
            "items": [dict(item) for item in items],
            "total_cents": total,
            "currency": currency,
            "status": "placed",
        }


    def line_count(order: dict) -> int:
        return sum(item["qty"] for item in order["items"])
    ''')

STORE = dedent('''
    """In-memory order store (the production build swaps in the database adapter)."""

    from __future__ import annotations


    class OrderNotFound(LookupError):
        """No order with that id."""


    class OrderStore:
        def __init__(self) -> None:
            self._orders: dict[int, dict] = {}

        def add(self, order: dict) -> dict:
            self._orders[order["id"]] = order
            return order

        def get(self, order_id: int) -> dict:
            """The order; raises OrderNotFound."""
            try:
                return self._orders[order_id]
            except KeyError:
                raise OrderNotFound(order_id) from None

        def all(self) -> list[dict]:
            return list(self._orders.values())

        def for_user(self, user_id: int) -> list[dict]:
            return [o for o in self._orders.values() if o["user"] == user_id]
    ''')

RECEIPTS = dedent('''
    """Plain-text receipts."""

    from __future__ import annotations

    CURRENCY_SYMBOLS = {"EUR": "\\u20ac", "USD": "$", "GBP": "\\u00a3", "JPY": "\\u00a5"}


    def format_money(cents: int, currency: str) -> str:
        symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
        return f"{symbol}{cents // 100}.{cents % 100:02d}"


    def render_receipt(order: dict, customer_name: str) -> str:
        lines = [f"Receipt for order #{order['id']}",
                 f"Customer: {customer_name} (#{order['user']})"]
        for item in order["items"]:
            price = format_money(item["unit_cents"], order["currency"])
            lines.append(f"  {item['qty']} x {item['sku']} @ {price}")
        lines.append(f"Total: {format_money(order['total_cents'], order['currency'])}")
        return "\\n".join(lines)
    ''')

REPORTS = dedent('''
    """Numbers for the nightly e-mail to the shop owners."""

    from __future__ import annotations

    from collections import defaultdict

    from shop.receipts import format_money


    def revenue_by_customer(orders: list[dict]) -> dict[int, int]:
        """Total cents per customer over orders that were not cancelled."""
        totals: dict[int, int] = defaultdict(int)
        for order in orders:
            if order["status"] == "cancelled":
                continue
            totals[order["user"]] += order["total_cents"]
        return dict(totals)


    def top_customers(orders: list[dict], n: int = 3) -> list[tuple[int, int]]:
        totals = revenue_by_customer(orders)
        return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


    def daily_summary(orders: list[dict], currency: str = "EUR") -> str:
        placed = [o for o in orders if o["status"] != "cancelled"]
        revenue = sum(o["total_cents"] for o in placed)
        return f"{len(placed)} orders, revenue {format_money(revenue, currency)}"
    ''')

NOTIFY = dedent('''
    """Customer e-mails."""

    from __future__ import annotations

    import logging
    import os

    from shop.receipts import format_money

    log = logging.getLogger("shop.notify")


    def mail_settings() -> dict:
        """Where outgoing mail goes; the deploy sets these in the environment."""
        return {"host": os.environ["SMTP_HOST"], "port": int(os.environ.get("SMTP_PORT", "25"))}


    class Outbox:
        """Collects mail; the production build hands each message to the relay."""

        def __init__(self) -> None:
            self.sent: list[dict] = []

        def send(self, to: str, subject: str, body: str, settings: dict) -> None:
            log.info("mail to %s via %s:%s", to, settings["host"], settings["port"])
            self.sent.append({"to": to, "subject": subject, "body": body, **settings})


    def shipping_notice(order: dict, email: str, outbox: Outbox,
                        settings: dict | None = None) -> str:
        total = format_money(order["total_cents"], order["currency"])
        body = (f"Order #{order['id']} for customer #{order['user']} has shipped. "
                f"Total {total}.")
        outbox.send(email, f"Order #{order['id']} shipped", body, settings or mail_settings())
        return body
    ''')

SERVICE = dedent('''
    """The shop's use cases, called by the HTTP layer (shop.api) and the scheduler."""

    from __future__ import annotations

    from shop import notify, reports
    from shop.models import make_order
    from shop.store import OrderStore


    class ShopService:
        def __init__(self, store: OrderStore | None = None,
                     outbox: notify.Outbox | None = None) -> None:
            self.store = store or OrderStore()
            self.outbox = outbox or notify.Outbox()
            self.emails: dict[int, str] = {}

        def register(self, user_id: int, email: str) -> None:
            self.emails[user_id] = email

        def checkout(self, user_id: int, items: list[dict], currency: str = "EUR") -> dict:
            if not items:
                raise ValueError("empty cart")
            return self.store.add(make_order(user_id, items, currency))

        def ship(self, order_id: int, settings: dict | None = None) -> dict:
            order = self.store.get(order_id)
            order["status"] = "shipped"
            notify.shipping_notice(order, self.emails[order["user"]], self.outbox, settings)
            return order

        def cancel(self, order_id: int) -> dict:
            order = self.store.get(order_id)
            order["status"] = "cancelled"
            return order

        def refund(self, order_id: int, cents: int) -> dict:
            order = self.store.get(order_id)
            refund = {"order": order["id"], "cents": cents}
            order.setdefault("refunds", []).append(refund)
            return refund

        def nightly_report(self) -> dict:
            orders = self.store.all()
            return {"summary": reports.daily_summary(orders),
                    "top": reports.top_customers(orders)}
    ''')

API = dedent('''
    """Request handling for the shop's internal HTTP API (framework glue lives elsewhere)."""

    from __future__ import annotations

    from shop.service import ShopService
    from shop.store import OrderNotFound


    def handle(service: ShopService, request: dict) -> dict:
        action = request.get("action")
        try:
            if action == "ship":
                order = service.ship(request["order"])
                return {"status": 200, "order": order["id"]}
            if action == "cancel":
                order = service.cancel(request["order"])
                return {"status": 200, "order": order["id"]}
            if action == "refund":
                refund = service.refund(request["order"], int(request["cents"]))
                return {"status": 200, "refund": refund}
        except OrderNotFound as exc:
            return {"status": 404, "error": f"no order {exc.args[0]}"}
        except ValueError as exc:
            return {"status": 422, "error": str(exc)}
        return {"status": 400, "error": f"unknown action {action!r}"}
    ''')

CONFIG = dedent('''
    """Settings from the environment."""

    from __future__ import annotations

    import os
    from collections.abc import Mapping


    def load(env: Mapping[str, str] | None = None) -> dict:
        env = os.environ if env is None else env
        return {
            "currency": env.get("SHOP_CURRENCY", "EUR"),
            "smtp_host": env.get("SMTP_HOST", "localhost"),
            "smtp_port": int(env.get("SMTP_PORT", "25")),
            "low_stock": int(env.get("SHOP_LOW_STOCK", "5")),
        }
    ''')

TEST_CHECKOUT = dedent('''
    import pytest

    from shop.api import handle
    from shop.models import line_count
    from shop.service import ShopService

    MUG = {"sku": "MUG-1", "qty": 2, "unit_cents": 1250}


    def test_checkout_totals_the_items():
        svc = ShopService()
        order = svc.checkout(7, [MUG, {"sku": "TEE-3", "qty": 1, "unit_cents": 1999}])
        assert order["total_cents"] == 4499
        assert line_count(order) == 3
        assert svc.store.get(order["id"]) is order


    def test_empty_cart_is_refused():
        with pytest.raises(ValueError):
            ShopService().checkout(7, [])


    def test_ship_sends_a_notice():
        svc = ShopService()
        svc.register(7, "ana@example.com")
        order = svc.checkout(7, [MUG])
        svc.ship(order["id"], settings={"host": "relay", "port": 25})
        assert order["status"] == "shipped"
        assert svc.outbox.sent[0]["to"] == "ana@example.com"


    def test_api_cancel_and_unknown_action():
        svc = ShopService()
        order = svc.checkout(7, [MUG])
        assert handle(svc, {"action": "cancel", "order": order["id"]})["status"] == 200
        assert handle(svc, {"action": "explode"})["status"] == 400
    ''')

TEST_RECEIPTS = dedent('''
    from shop.models import make_order
    from shop.receipts import format_money, render_receipt
    from shop.reports import daily_summary


    def test_format_money():
        assert format_money(1250, "EUR") == "\\u20ac12.50"
        assert format_money(5, "USD") == "$0.05"


    def test_receipt_lists_items_and_total():
        order = make_order(7, [{"sku": "MUG-1", "qty": 2, "unit_cents": 1250}])
        text = render_receipt(order, "Ana")
        assert "2 x MUG-1" in text
        assert text.endswith("Total: \\u20ac25.00")


    def test_daily_summary_counts_placed_orders():
        orders = [make_order(7, [{"sku": "A", "qty": 1, "unit_cents": 100}]),
                  make_order(8, [{"sku": "B", "qty": 1, "unit_cents": 250}])]
        orders[1]["status"] = "cancelled"
        assert daily_summary(orders) == "1 orders, revenue \\u20ac1.00"
    ''')

TEST_NOTIFY = dedent('''
    from shop.models import make_order
    from shop.notify import Outbox, shipping_notice


    def test_shipping_notice_goes_to_the_customer():
        outbox = Outbox()
        order = make_order(7, [{"sku": "MUG-1", "qty": 1, "unit_cents": 1250}])
        body = shipping_notice(order, "ana@example.com", outbox, {"host": "relay", "port": 25})
        assert "has shipped" in body
        assert outbox.sent[0]["subject"] == f"Order #{order['id']} shipped"
    ''')

README = dedent('''
    # shop

    Order service: checkout, shipping notices, refunds and the nightly owner report.

    Run the tests with `python -m pytest -q`.

    Production settings come from the environment: `SHOP_CURRENCY`, `SMTP_HOST`, `SMTP_PORT`,
    `SHOP_LOW_STOCK`.
    ''')

BASE = Commit("Order service: checkout, shipping notices, refunds, nightly report", (
    Write("pyproject.toml", PYPROJECT.format(name="shop")),
    Write("README.md", README),
    Write("shop/__init__.py", '"""Order service."""\n'),
    Write("shop/models.py", MODELS),
    Write("shop/store.py", STORE),
    Write("shop/receipts.py", RECEIPTS),
    Write("shop/reports.py", REPORTS),
    Write("shop/notify.py", NOTIFY),
    Write("shop/service.py", SERVICE),
    Write("shop/api.py", API),
    Write("shop/config.py", CONFIG),
    Write("tests/test_checkout.py", TEST_CHECKOUT),
    Write("tests/test_receipts.py", TEST_RECEIPTS),
    Write("tests/test_notify.py", TEST_NOTIFY),
), author="Priya Raman <priya@acme.test>")
