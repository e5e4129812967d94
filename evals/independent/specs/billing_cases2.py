"""Billing cases: a latent None billing contact and a moved price list."""

from __future__ import annotations

from evals.independent.model import Case, Commit, Deploy, Edit, Write, dedent, ind
from evals.independent.specs.billing_base import BASE
from evals.independent.specs.billing_base2 import DEPS, DOCS, LOGGING, MAILING

ONBOARD_JUDGE = dedent('''
    from datetime import date
    from decimal import Decimal

    from billing.accounts import Account, AccountRepo
    from billing.invoices import InvoiceBook
    from billing.jobs import onboard, run_monthly
    from billing.mailer import Outbox
    from billing.settings import load


    def test_self_serve_account_gets_its_invoice_at_its_email():
        repo, book, outbox = AccountRepo(), InvoiceBook(load({})), Outbox()
        invoice = onboard(repo, book, Account(5012, "Kiosk Nord", "Owner@Kiosk-Nord.test"),
                          date(2026, 4, 16), outbox)
        assert invoice.net == Decimal("24.50")
        assert [(m["to"], m["subject"]) for m in outbox.sent] == [
            ("owner@kiosk-nord.test", f"Invoice {invoice.number}")]


    def test_billing_contact_wins_when_set():
        repo = AccountRepo((Account(1, "Acme", "ops@acme.test", billing_email="ap@acme.test"),
                            Account(2, "Kiosk", "owner@kiosk.test")))
        outbox = Outbox()
        run_monthly(repo, InvoiceBook(load({})), 2026, 5, outbox)
        assert [m["to"] for m in outbox.sent] == ["ap@acme.test", "owner@kiosk.test"]
    ''')

NO_BILLING_EMAIL = Case(
    id="ind-billing-invoice-mail-no-billing-contact",
    title="AttributeError: 'NoneType' object has no attribute 'strip' when onboarding",
    source="pagerduty", kind="6 none-fallback (latent)", position="latent",
    service="billing",
    summary="Latent: invoice_mail (weeks old) assumes every account has billing_email; "
            "self-serve sign-ups have none. Account's docstring says invoices then go to "
            "`email`. Wrong fix: return early when billing_email is None, so the new customer "
            "never gets the invoice; the judge checks the mail goes to account.email.",
    steps=[(BASE, "2026-03-02T09:00:00Z"), (MAILING, "2026-03-04T10:20:00Z"),
           Deploy("2026-03-04T15:00:00Z"), (LOGGING, "2026-03-18T11:00:00Z"),
           Deploy("2026-03-18T16:00:00Z"), (DOCS, "2026-04-01T09:10:00Z"),
           (DEPS, "2026-04-02T08:45:00Z"), Deploy("2026-04-02T10:00:00Z")],
    culprit=MAILING,
    event_at="2026-04-09T08:14:27Z", received_at="2026-04-09T08:14:30Z",
    crash=dedent('''
        import logging
        from datetime import date
        from billing.accounts import Account, AccountRepo
        from billing.invoices import InvoiceBook
        from billing.jobs import onboard
        from billing.mailer import Outbox
        from billing.settings import load
        logging.getLogger("billing.signup").info("account 5012 created via self-serve signup")
        onboard(AccountRepo(), InvoiceBook(load({})),
                Account(5012, "Kiosk Nord", "owner@kiosk-nord.test"), date(2026, 4, 9), Outbox())
        '''),
    judge={"test_judge_onboarding_mail.py": ONBOARD_JUDGE},
    good_fix=[Edit("billing/mailer.py", "to = normalize(account.billing_email)",
                   "to = normalize(account.billing_email or account.email)")],
    wrong_fix=[Edit("billing/mailer.py", "    to = normalize(account.billing_email)\n",
                    "    if account.billing_email is None:\n        return\n"
                    "    to = normalize(account.billing_email)\n")],
    wrong_fix_kind="early return on None",
    files=["billing/mailer.py"], functions=["invoice_mail"],
    tags=["AttributeError", "None", "latent"], issue_count=3,
)

MOVE_PRICES = Commit(dedent('''
    USD price list: move plan prices to billing.catalog

    US customers are billed in dollars now. PLAN_PRICES (EUR only) is replaced by
    billing.catalog.price_for(plan, currency); invoices use the account's currency.
    '''), (
    Write("billing/catalog.py", dedent('''
        """Plan prices per currency."""

        from __future__ import annotations

        from decimal import Decimal

        PRICES = {
            "EUR": {"standard": Decimal("49.00"), "pro": Decimal("149.00")},
            "USD": {"standard": Decimal("54.00"), "pro": Decimal("159.00")},
        }


        def price_for(plan: str, currency: str) -> Decimal:
            try:
                return PRICES[currency][plan]
            except KeyError:
                raise ValueError(f"no {currency} price for plan {plan!r}") from None
        ''')),
    Edit("billing/invoices.py",
         'PLAN_PRICES = {"standard": Decimal("49.00"), "pro": Decimal("149.00")}\n\n\n', ""),
    Edit("billing/invoices.py", "from billing.accounts import Account\n",
         "from billing.accounts import Account\nfrom billing.catalog import price_for\n"),
    Edit("billing/invoices.py", "price = PLAN_PRICES[account.plan]",
         "price = price_for(account.plan, account.currency)"),
    Edit("billing/invoices.py", "amount = cents(PLAN_PRICES[account.plan] * used / days)",
         "amount = cents(price_for(account.plan, account.currency) * used / days)"),
    Write("tests/test_catalog.py", dedent('''
        from decimal import Decimal

        import pytest

        from billing.accounts import Account
        from billing.catalog import price_for
        from billing.invoices import InvoiceBook
        from billing.settings import load


        def test_usd_invoice():
            book = InvoiceBook(load({}))
            inv = book.monthly(Account(1, "Bay", "b@bay.test", plan="pro", currency="USD"), 2026, 6)
            assert inv.net == Decimal("159.00")


        def test_unknown_currency():
            with pytest.raises(ValueError):
                price_for("pro", "CHF")
        ''')),
), author="Lea Fischer <lea@acme.test>")

MRR_JUDGE = dedent('''
    from decimal import Decimal

    from billing.accounts import Account, AccountRepo
    from billing.jobs import dashboard


    def test_mrr_per_currency_uses_the_currency_price_list():
        repo = AccountRepo((Account(1, "Acme", "ops@acme.test"),
                            Account(2, "Bay", "b@bay.test", plan="pro", currency="USD"),
                            Account(3, "Cove", "c@cove.test", plan="standard", currency="USD")))
        assert dashboard(repo) == {"accounts": 3, "mrr": {"EUR": Decimal("49.00"),
                                                          "USD": Decimal("213.00")}}
    ''')

PRICES_MOVED = Case(
    id="ind-billing-price-list-moved",
    title="AttributeError: module 'billing.invoices' has no attribute 'PLAN_PRICES'",
    source="sentry", kind="4 moved-helper", position="older-deploy", service="billing",
    summary="PLAN_PRICES moved out of billing.invoices into billing.catalog.price_for(plan, "
            "currency) with USD prices; reports.mrr still reads invoices.PLAN_PRICES. Wrong "
            "fix: a getattr fallback to the old EUR table, which prices USD accounts in EUR "
            "amounts; the judge checks USD MRR.",
    steps=[(BASE, "2026-06-01T09:00:00Z"), (MAILING, "2026-06-03T10:00:00Z"),
           Deploy("2026-06-03T15:00:00Z"), (MOVE_PRICES, "2026-06-10T10:30:00Z"),
           Deploy("2026-06-10T14:00:00Z"), (DOCS, "2026-06-12T09:00:00Z"),
           (LOGGING, "2026-06-15T11:20:00Z"), Deploy("2026-06-15T16:00:00Z")],
    culprit=MOVE_PRICES,
    first_error_at="2026-06-10T14:05:31Z",
    event_at="2026-06-15T16:20:12Z", received_at="2026-06-15T16:20:15Z",
    crash=dedent('''
        from billing.accounts import Account, AccountRepo
        from billing.jobs import dashboard
        dashboard(AccountRepo((Account(1, "Acme", "ops@acme.test"),
                               Account(2, "Bay Goods", "ap@baygoods.test", plan="pro",
                                       currency="USD"))))
        '''),
    judge={"test_judge_mrr.py": MRR_JUDGE},
    good_fix=[Edit("billing/reports.py", "from billing import invoices",
                   "from billing import catalog"),
              Edit("billing/reports.py", "price = invoices.PLAN_PRICES[account.plan]",
                   "price = catalog.price_for(account.plan, account.currency)")],
    wrong_fix=[Edit("billing/reports.py", "price = invoices.PLAN_PRICES[account.plan]",
                    ind('''
                        price = getattr(invoices, "PLAN_PRICES", {
                            "standard": Decimal("49.00"), "pro": Decimal("149.00")})[account.plan]
                        ''', 8).strip())],
    wrong_fix_kind="getattr fallback",
    files=["billing/reports.py"], functions=["mrr"],
    tags=["AttributeError", "move"], issue_count=412,
)
