"""Shop cases: a renamed order key, renamed mail settings, a moved helper, a lookup that
now returns None."""

from __future__ import annotations

from evals.independent.model import Case, Commit, Deploy, Edit, Write, dedent
from evals.independent.specs.shop_base import BASE
from evals.independent.specs.shop_fillers import CI, EXPORT, HEALTH, RUNBOOK

ITEMS = '[{"sku": "MUG-1", "qty": 2, "unit_cents": 1250}]'

RENAME_USER = Commit(dedent('''
    Rename order["user"] to order["customer_id"]; record the sales channel

    The mobile app places orders now, so receipts say which channel an order came
    from. "user" was ambiguous next to staff users: orders carry "customer_id" instead
    (models, store, receipts, notices, service).
    '''), (
    Edit("shop/models.py",
         'def make_order(user_id: int, items: list[dict], currency: str = "EUR") -> dict:',
         'def make_order(customer_id: int, items: list[dict], currency: str = "EUR",\n'
         '               channel: str = "web") -> dict:'),
    Edit("shop/models.py", '        "user": user_id,\n',
         '        "customer_id": customer_id,\n        "channel": channel,\n'),
    Edit("shop/store.py", 'def for_user(self, user_id: int) -> list[dict]:\n'
         '        return [o for o in self._orders.values() if o["user"] == user_id]',
         'def for_customer(self, customer_id: int) -> list[dict]:\n'
         '        return [o for o in self._orders.values() if o["customer_id"] == customer_id]'),
    Edit("shop/receipts.py", "f\"Customer: {customer_name} (#{order['user']})\"]",
         "f\"Customer: {customer_name} (#{order['customer_id']})\",\n"
         "             f\"Ordered via {order['channel']}\"]"),
    Edit("shop/notify.py", "for customer #{order['user']} has shipped",
         "for customer #{order['customer_id']} has shipped"),
    Edit("shop/service.py", 'self.emails[order["user"]]', 'self.emails[order["customer_id"]]'),
    Edit("shop/service.py",
         'def checkout(self, user_id: int, items: list[dict], currency: str = "EUR") -> dict:',
         'def checkout(self, customer_id: int, items: list[dict], currency: str = "EUR",\n'
         '                 channel: str = "web") -> dict:'),
    Edit("shop/service.py", "make_order(user_id, items, currency)",
         "make_order(customer_id, items, currency, channel)"),
    Write("tests/test_channel.py", dedent(f'''
        from shop.models import make_order
        from shop.receipts import render_receipt


        def test_receipt_names_the_channel():
            order = make_order(7, {ITEMS}, channel="app")
            assert "Ordered via app" in render_receipt(order, "Ana")
        ''')),
), author="Jonas Berg <jonas@acme.test>")

USER_JUDGE = dedent(f'''
    from shop.models import make_order
    from shop.receipts import render_receipt
    from shop.reports import revenue_by_customer
    from shop.service import ShopService


    def orders():
        a = make_order(7, {ITEMS})
        b = make_order(9, [{{"sku": "TEE-3", "qty": 1, "unit_cents": 1999}}], channel="app")
        c = make_order(7, [{{"sku": "CAP-2", "qty": 1, "unit_cents": 800}}])
        d = make_order(9, [{{"sku": "MUG-1", "qty": 1, "unit_cents": 1250}}])
        d["status"] = "cancelled"
        return [a, b, c, d]


    def test_revenue_is_grouped_by_customer():
        assert revenue_by_customer(orders()) == {{7: 3300, 9: 1999}}


    def test_nightly_report_ranks_customers():
        svc = ShopService()
        svc.checkout(7, [{{"sku": "CAP-2", "qty": 1, "unit_cents": 800}}])
        svc.checkout(9, [{{"sku": "TEE-3", "qty": 1, "unit_cents": 1999}}], channel="app")
        svc.checkout(7, [{{"sku": "CAP-2", "qty": 1, "unit_cents": 800}}])
        assert svc.nightly_report()["top"] == [(9, 1999), (7, 1600)]


    def test_orders_carry_customer_and_channel():
        order = make_order(7, {ITEMS}, channel="app")
        assert order["customer_id"] == 7 and order["channel"] == "app"
        assert "Ordered via app" in render_receipt(order, "Ana")
    ''')

USER_KEY = Case(
    id="ind-shop-order-user-key-rename",
    title="KeyError: 'user' in the nightly report after orders were re-keyed",
    source="sentry", kind="1 dict-key-rename", position="newest", service="shop",
    summary="The culprit renamed order['user'] to order['customer_id'] everywhere but "
            "reports.revenue_by_customer. Wrong fix: order.get('user', 0) books all revenue "
            "on customer 0; the judge checks per-customer totals and the channel feature.",
    steps=[(BASE, "2026-10-05T09:12:00Z"), (HEALTH, "2026-10-08T14:03:00Z"),
           Deploy("2026-10-08T16:00:00Z"), (EXPORT, "2026-10-21T10:30:00Z"),
           (CI, "2026-10-22T09:00:00Z"), Deploy("2026-10-22T15:00:00Z"),
           (RENAME_USER, "2026-11-03T11:20:00Z"), Deploy("2026-11-03T21:30:00Z")],
    culprit=RENAME_USER,
    event_at="2026-11-04T02:00:07Z", received_at="2026-11-04T02:00:09Z",
    crash=dedent('''
        from shop.service import ShopService
        svc = ShopService()
        svc.register(7, "ana@example.com")
        svc.checkout(7, [{"sku": "MUG-1", "qty": 2, "unit_cents": 1250}], channel="app")
        svc.checkout(9, [{"sku": "TEE-3", "qty": 1, "unit_cents": 1999}])
        svc.nightly_report()
        '''),
    judge={"test_judge_customer_key.py": USER_JUDGE},
    good_fix=[Edit("shop/reports.py", 'totals[order["user"]]', 'totals[order["customer_id"]]')],
    wrong_fix=[Edit("shop/reports.py", 'totals[order["user"]]',
                    'totals[order.get("user", 0)]')],
    wrong_fix_kind="dict.get default",
    files=["shop/reports.py"], functions=["revenue_by_customer"],
    tags=["KeyError", "regression", "rename"], issue_count=1,
)

RENAME_MAIL = Commit(dedent('''
    Rename SMTP_* settings to MAIL_*; add MAIL_USE_TLS

    The new relay speaks STARTTLS on 587. Settings are MAIL_HOST, MAIL_PORT and
    MAIL_USE_TLS now (config.load, README, deploy/production.env); the SMTP_* variables
    are gone from the production environment.
    '''), (
    Edit("shop/config.py",
         '"smtp_host": env.get("SMTP_HOST", "localhost"),\n'
         '        "smtp_port": int(env.get("SMTP_PORT", "25")),',
         '"mail_host": env.get("MAIL_HOST", "localhost"),\n'
         '        "mail_port": int(env.get("MAIL_PORT", "25")),\n'
         '        "mail_tls": env.get("MAIL_USE_TLS", "0") == "1",'),
    Edit("README.md", "`SMTP_HOST`, `SMTP_PORT`,", "`MAIL_HOST`, `MAIL_PORT`, `MAIL_USE_TLS`,"),
    Edit("shop/notify.py",
         'log.info("mail to %s via %s:%s", to, settings["host"], settings["port"])',
         'log.info("mail to %s via %s:%s (tls=%s)", to, settings["host"], settings["port"],\n'
         '                 settings.get("tls", False))'),
    Write("deploy/production.env",
          "SHOP_CURRENCY=EUR\nMAIL_HOST=smtp.acme.internal\nMAIL_PORT=587\nMAIL_USE_TLS=1\n"),
    Write("tests/test_config.py", dedent('''
        from shop.config import load


        def test_mail_settings():
            cfg = load({"MAIL_HOST": "relay", "MAIL_PORT": "587", "MAIL_USE_TLS": "1"})
            assert (cfg["mail_host"], cfg["mail_port"], cfg["mail_tls"]) == ("relay", 587, True)


        def test_defaults():
            assert load({})["mail_tls"] is False
        ''')),
), author="Sam Okafor <sam@acme.test>")

MAIL_JUDGE = dedent('''
    from shop.config import load
    from shop.service import ShopService


    def test_shipping_mail_uses_the_mail_settings(monkeypatch):
        monkeypatch.delenv("SMTP_HOST", raising=False)
        monkeypatch.delenv("SMTP_PORT", raising=False)
        monkeypatch.setenv("MAIL_HOST", "smtp.acme.internal")
        monkeypatch.setenv("MAIL_PORT", "587")
        svc = ShopService()
        svc.register(41, "lena@example.com")
        order = svc.checkout(41, [{"sku": "MUG-1", "qty": 1, "unit_cents": 1250}])
        svc.ship(order["id"])
        sent = svc.outbox.sent[0]
        assert (sent["to"], sent["host"], sent["port"]) == (
            "lena@example.com", "smtp.acme.internal", 587)


    def test_tls_setting():
        assert load({"MAIL_USE_TLS": "1"})["mail_tls"] is True
    ''')

MAIL_ENV = Case(
    id="ind-shop-mail-env-rename",
    title="KeyError: 'SMTP_HOST' when shipping notices are sent",
    source="pagerduty", kind="2 env-rename", position="older-deploy", service="shop",
    summary="SMTP_* environment variables were renamed MAIL_* in config.load and the deploy "
            "env, but notify.mail_settings still reads SMTP_HOST. Wrong fix: "
            "os.environ.get('SMTP_HOST', 'localhost') sends mail to a relay that is not "
            "there; the judge checks the notice goes through MAIL_HOST:MAIL_PORT.",
    steps=[(BASE, "2026-09-14T10:00:00Z"), (EXPORT, "2026-09-16T11:45:00Z"),
           Deploy("2026-09-16T17:00:00Z"), (RENAME_MAIL, "2026-09-29T13:40:00Z"),
           Deploy("2026-09-30T09:05:00Z"), (HEALTH, "2026-10-01T11:00:00Z"),
           (RUNBOOK, "2026-10-02T10:00:00Z"), Deploy("2026-10-02T15:30:00Z")],
    culprit=RENAME_MAIL,
    first_error_at="2026-09-30T09:41:12Z",
    event_at="2026-10-02T16:10:00Z", received_at="2026-10-02T16:10:04Z",
    crash=dedent('''
        import os
        for name in ("SMTP_HOST", "SMTP_PORT"):
            os.environ.pop(name, None)
        os.environ.update({"MAIL_HOST": "smtp.acme.internal", "MAIL_PORT": "587",
                           "MAIL_USE_TLS": "1"})
        from shop.service import ShopService
        svc = ShopService()
        svc.register(41, "lena@example.com")
        order = svc.checkout(41, [{"sku": "MUG-1", "qty": 1, "unit_cents": 1250}])
        svc.ship(order["id"])
        '''),
    judge={"test_judge_mail_settings.py": MAIL_JUDGE},
    good_fix=[Edit("shop/notify.py",
                   'os.environ["SMTP_HOST"], "port": int(os.environ.get("SMTP_PORT", "25"))',
                   'os.environ["MAIL_HOST"], "port": int(os.environ.get("MAIL_PORT", "25"))')],
    wrong_fix=[Edit("shop/notify.py", 'os.environ["SMTP_HOST"]',
                    'os.environ.get("SMTP_HOST", "localhost")')],
    wrong_fix_kind="environ.get default",
    files=["shop/notify.py"], functions=["mail_settings"],
    tags=["KeyError", "config", "rename"], issue_count=37,
)
