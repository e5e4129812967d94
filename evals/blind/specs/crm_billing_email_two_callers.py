"""blind-crm-billing-email-two-callers (sentry)."""

from __future__ import annotations

from evals.blind.model import Case, Commit, Edit, WrongFix
from evals.blind.people import AMARA, JONAS, MAYA, PRIYA

_CRM_OUTBOX = '''"""Outgoing mail: queued here, delivered by the mail relay worker."""


class Outbox:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, to: str, subject: str, body: str) -> None:
        if "@" not in to:
            raise ValueError(f"not an address: {to!r}")
        self.sent.append({"to": to, "subject": subject, "body": body})
'''

_CRM_RECEIPTS = '''"""Payment receipts."""

from crm.mailer import Outbox
from crm.models import Customer


def send_receipt(outbox: Outbox, customer: Customer, amount_cents: int) -> None:
    amount = f"{amount_cents / 100:.2f} EUR"
    outbox.send(customer.email, f"Receipt: {amount}",
                f"Hello {customer.name},\\n\\nwe received your payment of {amount}.")
'''

_CRM_DUNNING = '''"""Reminders for invoices that are past due."""

from datetime import date

from crm.mailer import Outbox
from crm.models import Customer


def remind_overdue(outbox: Outbox, customers: dict[int, Customer], invoices: list[dict],
                   today: date) -> int:
    """Mail each customer once per overdue, unpaid invoice; returns how many were sent."""
    sent = 0
    for invoice in invoices:
        if invoice["paid"] or invoice["due"] >= today:
            continue
        customer = customers[invoice["customer_id"]]
        days = (today - invoice["due"]).days
        outbox.send(customer.email, f"Invoice {invoice['number']} is {days} days overdue",
                    f"Hello {customer.name},\\n\\nplease settle invoice {invoice['number']}.")
        sent += 1
    return sent
'''

_CRM_SERVICE = '''"""The CRM's application service: what the HTTP layer and the scheduler call."""

from datetime import date

from crm import dunning, receipts
from crm.mailer import Outbox
from crm.models import Customer


class CrmService:
    def __init__(self) -> None:
        self.outbox = Outbox()
        self.customers: dict[int, Customer] = {}
        self.invoices: list[dict] = []

    def add_customer(self, customer: Customer) -> None:
        self.customers[customer.id] = customer

    def record_payment(self, customer_id: int, amount_cents: int) -> None:
        receipts.send_receipt(self.outbox, self.customers[customer_id], amount_cents)

    def nightly(self, today: date) -> int:
        return dunning.remind_overdue(self.outbox, self.customers, self.invoices, today)
'''

_CRM_NEWSLETTER_1 = '''"""Monthly newsletter to customers who opted in."""

from crm.mailer import Outbox
from crm.models import Customer


def send_newsletter(outbox: Outbox, customers: list[Customer], issue: str) -> int:
    readers = [c for c in customers if c.newsletter]
    for customer in readers:
        outbox.send(customer.email, f"Acme news: {issue}", f"Hello {customer.name}, ...")
    return len(readers)
'''

_CRM_JUDGE = '''from datetime import date

from crm.models import Customer
from crm.newsletter import send_newsletter
from crm.service import CrmService


def _ana():
    return Customer(1, "Ana", billing_email="accounts@ana-gmbh.example",
                    marketing_email="ana@ana-gmbh.example", newsletter=True)


def test_receipt_goes_to_the_billing_address():
    svc = CrmService()
    svc.add_customer(_ana())
    svc.record_payment(1, 4900)
    assert [(m["to"], m["subject"]) for m in svc.outbox.sent] == [
        ("accounts@ana-gmbh.example", "Receipt: 49.00 EUR")]


def test_overdue_reminders_go_to_the_billing_address():
    svc = CrmService()
    svc.add_customer(_ana())
    svc.add_customer(Customer(2, "Bo", billing_email="bo@example.org"))
    svc.invoices = [
        {"number": "A-7", "customer_id": 1, "due": date(2026, 11, 1), "paid": False},
        {"number": "A-8", "customer_id": 2, "due": date(2026, 11, 3), "paid": False},
        {"number": "A-9", "customer_id": 2, "due": date(2026, 11, 3), "paid": True},
    ]
    assert svc.nightly(date(2026, 11, 10)) == 2
    assert [m["to"] for m in svc.outbox.sent] == ["accounts@ana-gmbh.example", "bo@example.org"]
    assert svc.outbox.sent[0]["subject"] == "Invoice A-7 is 9 days overdue"


def test_newsletter_goes_to_the_marketing_address():
    svc = CrmService()
    bo = Customer(2, "Bo", billing_email="bo@example.org", newsletter=True)
    assert send_newsletter(svc.outbox, [_ana(), bo], "November") == 2
    assert [m["to"] for m in svc.outbox.sent] == ["ana@ana-gmbh.example", "bo@example.org"]
'''

CASE = Case(
    id="blind-crm-billing-email-two-callers",
    title="AttributeError: 'Customer' object has no attribute 'email' in send_receipt",
    source="sentry", service="crm", received_at="2026-11-17T14:03:00Z",
    tags=("AttributeError", "rename", "multi-site", "feature-bundled", "regression"),
    commits=(
        Commit("CRM: customers, receipts and dunning mails", MAYA,
               "2026-11-02T10:00:00+00:00", {
            "crm/__init__.py": '"""Customer records and the mail they get."""\n',
            "crm/models.py": '''from dataclasses import dataclass


@dataclass
class Customer:
    id: int
    name: str
    email: str
    newsletter: bool = False
''',
            "crm/mailer.py": _CRM_OUTBOX,
            "crm/receipts.py": _CRM_RECEIPTS,
            "crm/dunning.py": _CRM_DUNNING,
            "crm/service.py": _CRM_SERVICE,
            "tests/test_outbox.py": '''import pytest

from crm.mailer import Outbox


def test_rejects_non_addresses():
    with pytest.raises(ValueError):
        Outbox().send("nobody", "s", "b")
''',
        }, deploy="2026-11-02T12:00:00Z"),
        Commit("Newsletter for customers who opted in", AMARA, "2026-11-06T09:15:00+00:00", {
            "crm/newsletter.py": _CRM_NEWSLETTER_1,
        }, deploy="2026-11-06T11:00:00Z"),
        Commit("Customers: separate billing and marketing addresses\n\n"
               "Finance wants invoices and payment mail to go to the accounts address,\n"
               "while the newsletter goes to the person who signed up. Customer.email\n"
               "becomes billing_email; marketing_email is optional and falls back to it.\n",
               JONAS, "2026-11-16T16:20:00+00:00", {
            "crm/models.py": '''from dataclasses import dataclass


@dataclass
class Customer:
    id: int
    name: str
    billing_email: str
    marketing_email: str | None = None
    newsletter: bool = False

    def newsletter_address(self) -> str:
        return self.marketing_email or self.billing_email
''',
            "crm/newsletter.py": _CRM_NEWSLETTER_1.replace(
                "outbox.send(customer.email,", "outbox.send(customer.newsletter_address(),"),
            "tests/test_newsletter.py": '''from crm.mailer import Outbox
from crm.models import Customer
from crm.newsletter import send_newsletter


def test_newsletter_prefers_the_marketing_address():
    outbox = Outbox()
    ana = Customer(1, "Ana", "accounts@ana.example", "ana@ana.example", newsletter=True)
    send_newsletter(outbox, [ana, Customer(2, "Bo", "bo@example.org")], "November")
    assert [m["to"] for m in outbox.sent] == ["ana@ana.example"]
''',
        }),
        Commit("Outbox: log the queue length", PRIYA, "2026-11-17T09:30:00+00:00", {
            "crm/mailer.py": _CRM_OUTBOX.replace(
                '"""Outgoing mail: queued here, delivered by the mail relay worker."""\n',
                '"""Outgoing mail: queued here, delivered by the mail relay worker."""\n\n'
                'import logging\n\nlog = logging.getLogger(__name__)\n').replace(
                '        self.sent.append({"to": to, "subject": subject, "body": body})\n',
                '        self.sent.append({"to": to, "subject": subject, "body": body})\n'
                '        log.debug("outbox holds %d mails", len(self.sent))\n'),
        }, deploy="2026-11-17T10:00:00Z"),
    ),
    culprit=3, files=("crm/receipts.py", "crm/dunning.py"),
    functions=("send_receipt", "remind_overdue"),
    judge=_CRM_JUDGE,
    crash='''from crm.models import Customer
from crm.service import CrmService

svc = CrmService()
svc.add_customer(Customer(41, "Lea Brandt", billing_email="ap@brandt-bau.example",
                          marketing_email="lea@brandt-bau.example"))
svc.record_payment(41, 12900)
''',
    fix=(Edit("crm/receipts.py", "customer.email", "customer.billing_email"),
         Edit("crm/dunning.py", "customer.email", "customer.billing_email")),
    wrong_fixes=(
        WrongFix("fixes receipts only; overdue reminders still read the removed field", (
            Edit("crm/receipts.py", "customer.email", "customer.billing_email"),
        )),
        WrongFix("skips the receipt when the attribute is missing", (
            Edit("crm/receipts.py", "    outbox.send(customer.email,",
                 '    if getattr(customer, "email", None) is None:\n        return\n'
                 "    outbox.send(customer.email,"),
            Edit("crm/dunning.py", "        outbox.send(customer.email,",
                 '        if getattr(customer, "email", None) is None:\n            continue\n'
                 "        outbox.send(customer.email,"),
        )),
        WrongFix("sends payment mail to the newsletter address", (
            Edit("crm/receipts.py", "customer.email", "customer.newsletter_address()"),
            Edit("crm/dunning.py", "customer.email", "customer.newsletter_address()"),
        )),
    ),
    summary={"bug": "Customer.email renamed to billing_email; receipts.py and dunning.py "
                    "still read .email",
             "fix": "customer.billing_email at both call sites",
             "trap": "fixing only the receipt in the traceback; getattr/skip guard (no mail); "
                     "using the marketing address"},
)
