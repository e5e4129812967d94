"""Billing cases: a renamed tax setting and a renamed account attribute."""

from __future__ import annotations

from evals.independent.model import Case, Commit, Deploy, Edit, Write, dedent, ind
from evals.independent.specs.billing_base import BASE
from evals.independent.specs.billing_base2 import DEPS, DOCS, LOGGING, MAILING

RENAME_VAT = Commit(dedent('''
    Per-country VAT: rename the tax_rate setting to vat_rate, add vat_overrides

    Austrian and Swiss customers were charged German VAT. BILLING_TAX_RATE becomes
    BILLING_VAT_RATE (settings key "vat_rate"); BILLING_VAT_OVERRIDES="AT=0.20,CH=0.081"
    sets rates per country, used by InvoiceBook.tax_for.
    '''), (
    Edit("billing/settings.py", "def load(", dedent('''
        def parse_overrides(text: str) -> dict[str, Decimal]:
            """'AT=0.20,CH=0.081' -> {"AT": Decimal("0.20"), "CH": Decimal("0.081")}"""
            pairs = (item.split("=", 1) for item in text.split(",") if item.strip())
            return {country.strip().upper(): Decimal(rate.strip()) for country, rate in pairs}


        def load(''')),
    Edit("billing/settings.py", '"tax_rate": Decimal(env.get("BILLING_TAX_RATE", "0.19")),',
         '"vat_rate": Decimal(env.get("BILLING_VAT_RATE", "0.19")),\n'
         '        "vat_overrides": parse_overrides(env.get("BILLING_VAT_OVERRIDES", "")),'),
    Edit("billing/invoices.py", '        return cents(net * self.settings["tax_rate"])\n',
         '        rate = self.settings["vat_overrides"].get(account.country,\n'
         '                                                  self.settings["vat_rate"])\n'
         '        return cents(net * rate)\n'),
    Edit("README.md", "`BILLING_TAX_RATE`,", "`BILLING_VAT_RATE`, `BILLING_VAT_OVERRIDES`,"),
    Write("tests/test_vat.py", dedent('''
        from decimal import Decimal

        from billing.accounts import Account
        from billing.invoices import InvoiceBook
        from billing.settings import load


        def test_country_override():
            book = InvoiceBook(load({"BILLING_VAT_OVERRIDES": "AT=0.20, ch=0.081"}))
            at = book.monthly(Account(1, "Wien", "w@wien.test", country="AT"), 2026, 7)
            de = book.monthly(Account(2, "Koeln", "k@koeln.test"), 2026, 7)
            assert (at.tax, de.tax) == (Decimal("9.80"), Decimal("9.31"))
        ''')),
), author="Tomas Novak <tomas@acme.test>")

VAT_JUDGE = dedent('''
    from decimal import Decimal

    from billing.accounts import Account
    from billing.invoices import InvoiceBook
    from billing.jobs import cancel_invoice
    from billing.settings import load


    def test_credit_note_reverses_net_and_tax():
        book = InvoiceBook(load({}))
        invoice = book.monthly(Account(1, "Acme", "ops@acme.test", plan="pro"), 2026, 7)
        note = cancel_invoice(book, invoice.number, "duplicate")
        assert (note.net, note.tax, note.total) == (Decimal("-149.00"), Decimal("-28.31"),
                                                    Decimal("-177.31"))
        assert invoice.paid and book.overdue(invoice.due.replace(year=2027)) == []


    def test_credit_note_of_tax_exempt_invoice_has_no_tax():
        book = InvoiceBook(load({}))
        invoice = book.monthly(Account(2, "NGO", "a@ngo.test", tax_exempt=True), 2026, 7)
        assert cancel_invoice(book, invoice.number, "wrong plan").tax == Decimal("0.00")


    def test_vat_overrides():
        book = InvoiceBook(load({"BILLING_VAT_RATE": "0.19", "BILLING_VAT_OVERRIDES": "AT=0.20"}))
        invoice = book.monthly(Account(3, "Wien", "w@wien.test", country="AT"), 2026, 7)
        assert invoice.tax == Decimal("9.80")
    ''')

VAT_RENAME = Case(
    id="ind-billing-vat-setting-rename",
    title="KeyError: 'tax_rate' when support cancels an invoice",
    source="sentry", kind="2 settings-key-rename", position="older-deploy",
    service="billing",
    summary="The tax_rate settings key became vat_rate (with per-country overrides); "
            "InvoiceBook.credit_note still reads settings['tax_rate']. Wrong fix: "
            ".get('tax_rate', 0) issues credit notes without VAT; the judge checks the credit "
            "note mirrors the invoice and that overrides work.",
    steps=[(BASE, "2026-07-01T09:00:00Z"), (MAILING, "2026-07-03T11:30:00Z"),
           Deploy("2026-07-03T16:00:00Z"), (RENAME_VAT, "2026-07-14T10:00:00Z"),
           Deploy("2026-07-14T15:00:00Z"), (LOGGING, "2026-07-16T09:40:00Z"),
           (DOCS, "2026-07-20T14:00:00Z"), Deploy("2026-07-21T11:00:00Z")],
    culprit=RENAME_VAT,
    first_error_at="2026-07-14T15:52:10Z",
    event_at="2026-07-21T13:05:44Z", received_at="2026-07-21T13:05:47Z",
    crash=dedent('''
        from billing.accounts import Account
        from billing.invoices import InvoiceBook
        from billing.jobs import cancel_invoice
        from billing.settings import load
        book = InvoiceBook(load({"BILLING_VAT_OVERRIDES": "AT=0.20,CH=0.081"}))
        invoice = book.monthly(Account(311, "Hofer GmbH", "office@hofer.test", plan="pro"),
                               2026, 7)
        cancel_invoice(book, invoice.number, "duplicate")
        '''),
    judge={"test_judge_credit_note.py": VAT_JUDGE},
    good_fix=[Edit("billing/invoices.py", 'cents(net * self.settings["tax_rate"])',
                   'cents(net * self.settings["vat_rate"])')],
    wrong_fix=[Edit("billing/invoices.py", 'cents(net * self.settings["tax_rate"])',
                    'cents(net * self.settings.get("tax_rate", Decimal("0")))')],
    wrong_fix_kind="dict.get default",
    files=["billing/invoices.py"], functions=["InvoiceBook.credit_note"],
    tags=["KeyError", "config", "rename"], issue_count=12,
)

RENAME_CONTACT = Commit(dedent('''
    Rename Account.email to contact_email; copy invoices to cc_emails

    Larger customers want their accountants in copy. "email" was easy to confuse with
    billing_email, so the field is contact_email now; invoice mails fall back to it when
    an account has no billing contact.
    '''), (
    Edit("billing/accounts.py", "get invoices at `email`", "get invoices at `contact_email`"),
    Edit("billing/accounts.py", "    email: str\n", "    contact_email: str\n"),
    Edit("billing/accounts.py", "    tax_exempt: bool = False\n",
         "    tax_exempt: bool = False\n    cc_emails: tuple[str, ...] = ()\n"),
    Edit("billing/mailer.py", ind('''
        to = normalize(account.billing_email)
        outbox.send(to, f"Invoice {invoice.number}",
        ''', 4), ind('''
        to = normalize(account.billing_email or account.contact_email)
        cc = tuple(normalize(address) for address in account.cc_emails)
        outbox.send(to, f"Invoice {invoice.number}",
        ''', 4)),
    Edit("billing/mailer.py", "is due on {invoice.due:%Y-%m-%d}.\")",
         "is due on {invoice.due:%Y-%m-%d}.\", cc)"),
    Write("tests/test_cc.py", dedent('''
        from billing.accounts import Account, AccountRepo
        from billing.invoices import InvoiceBook
        from billing.jobs import run_monthly
        from billing.mailer import Outbox
        from billing.settings import load


        def test_invoice_mail_copies_cc():
            acct = Account(1, "Acme", "ops@acme.test", cc_emails=("Tax@Advisor.test",))
            outbox = Outbox()
            run_monthly(AccountRepo((acct,)), InvoiceBook(load({})), 2026, 5, outbox)
            assert outbox.sent[0]["to"] == "ops@acme.test"
            assert outbox.sent[0]["cc"] == ["tax@advisor.test"]
        ''')),
), author="Lea Fischer <lea@acme.test>")

CONTACT_JUDGE = dedent('''
    from datetime import date

    from billing.accounts import Account, AccountRepo
    from billing.dunning import send_reminders
    from billing.invoices import InvoiceBook
    from billing.jobs import run_monthly
    from billing.mailer import Outbox
    from billing.settings import load


    def test_reminders_reach_the_contact():
        acct = Account(7, "Bolt", "Hi@Bolt.test", billing_email="pay@bolt.test")
        repo, book = AccountRepo((acct,)), InvoiceBook(load({}))
        invoice = book.monthly(acct, 2026, 5)
        outbox = Outbox()
        sent = send_reminders(book, repo, outbox, date(2026, 6, 5))
        assert sent == [(invoice.number, "second")]
        assert outbox.sent[0]["to"] == "hi@bolt.test"


    def test_invoice_mail_cc():
        acct = Account(8, "Acme", "ops@acme.test", cc_emails=("cfo@acme.test",))
        outbox = Outbox()
        run_monthly(AccountRepo((acct,)), InvoiceBook(load({})), 2026, 5, outbox)
        assert outbox.sent[0]["cc"] == ["cfo@acme.test"]
    ''')

CONTACT_RENAME = Case(
    id="ind-billing-contact-email-attr-rename",
    title="AttributeError: 'Account' object has no attribute 'email' in send_reminders",
    source="sentry", kind="3 attribute-rename", position="newest", service="billing",
    summary="Account.email became contact_email (with cc_emails for invoice mails); "
            "dunning.send_reminders still reads account.email. Wrong fix: getattr(account, "
            "'email', None) and skip, so no reminder goes out; the judge checks the reminder "
            "reaches contact_email.",
    steps=[(BASE, "2026-05-04T09:00:00Z"), (MAILING, "2026-05-06T10:15:00Z"),
           Deploy("2026-05-06T15:00:00Z"), (LOGGING, "2026-05-12T13:00:00Z"),
           (DEPS, "2026-05-13T09:30:00Z"), Deploy("2026-05-13T14:00:00Z"),
           (RENAME_CONTACT, "2026-05-20T09:45:00Z"), Deploy("2026-05-20T13:00:00Z")],
    culprit=RENAME_CONTACT,
    event_at="2026-05-21T06:00:03Z", received_at="2026-05-21T06:00:06Z",
    crash=dedent('''
        from datetime import date
        from billing.accounts import Account, AccountRepo
        from billing.dunning import send_reminders
        from billing.invoices import InvoiceBook
        from billing.mailer import Outbox
        from billing.settings import load
        acct = Account(204, "Bolt Logistics", "accounts@bolt.test")
        book = InvoiceBook(load({}))
        book.monthly(acct, 2026, 4)
        send_reminders(book, AccountRepo((acct,)), Outbox(), date(2026, 5, 21))
        '''),
    judge={"test_judge_reminders.py": CONTACT_JUDGE},
    good_fix=[Edit("billing/dunning.py", "normalize(account.email)",
                   "normalize(account.contact_email)")],
    wrong_fix=[Edit("billing/dunning.py", ind('''
        level = reminder_level((today - invoice.due).days)
        outbox.send(normalize(account.email),''', 8), ind('''
        level = reminder_level((today - invoice.due).days)
        email = getattr(account, "email", None)
        if email is None:
            continue
        outbox.send(normalize(email),''', 8))],
    wrong_fix_kind="getattr default and skip",
    files=["billing/dunning.py"], functions=["send_reminders"],
    tags=["AttributeError", "rename"], issue_count=1,
)
