#!/bin/sh
# Builds the blind-crm-billing-email-two-callers repository in "$1": 4 commits.
# Written by evals/blind (python -m evals.blind generate); edit the spec there, not this file.
set -eu
mkdir -p "$1"
cd "$1"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 TZ=UTC LC_ALL=C
git init -q -b main .

commit() {  # author name, author email, date; the message on stdin
    git add -A
    GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" GIT_AUTHOR_DATE="$3" \
    GIT_COMMITTER_NAME="$1" GIT_COMMITTER_EMAIL="$2" GIT_COMMITTER_DATE="$3" \
        git -c commit.gpgsign=false commit -q --cleanup=verbatim -F -
}

deploy() {  # number, date: an annotated tag whose tagger date is the deploy time
    GIT_COMMITTER_NAME="Deploy Bot" GIT_COMMITTER_EMAIL="deploy-bot@acme.test" \
    GIT_COMMITTER_DATE="$2" git -c tag.gpgsign=false tag -a "deploy-$1" -m "environment=production
deployed crm by the release pipeline"
}

# --- commit 1: CRM: customers, receipts and dunning mails
mkdir -p crm
cat > crm/__init__.py <<'__BLIND_EOF__'
"""Customer records and the mail they get."""
__BLIND_EOF__
mkdir -p crm
cat > crm/models.py <<'__BLIND_EOF__'
from dataclasses import dataclass


@dataclass
class Customer:
    id: int
    name: str
    email: str
    newsletter: bool = False
__BLIND_EOF__
mkdir -p crm
cat > crm/mailer.py <<'__BLIND_EOF__'
"""Outgoing mail: queued here, delivered by the mail relay worker."""


class Outbox:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, to: str, subject: str, body: str) -> None:
        if "@" not in to:
            raise ValueError(f"not an address: {to!r}")
        self.sent.append({"to": to, "subject": subject, "body": body})
__BLIND_EOF__
mkdir -p crm
cat > crm/receipts.py <<'__BLIND_EOF__'
"""Payment receipts."""

from crm.mailer import Outbox
from crm.models import Customer


def send_receipt(outbox: Outbox, customer: Customer, amount_cents: int) -> None:
    amount = f"{amount_cents / 100:.2f} EUR"
    outbox.send(customer.email, f"Receipt: {amount}",
                f"Hello {customer.name},\n\nwe received your payment of {amount}.")
__BLIND_EOF__
mkdir -p crm
cat > crm/dunning.py <<'__BLIND_EOF__'
"""Reminders for invoices that are past due."""

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
                    f"Hello {customer.name},\n\nplease settle invoice {invoice['number']}.")
        sent += 1
    return sent
__BLIND_EOF__
mkdir -p crm
cat > crm/service.py <<'__BLIND_EOF__'
"""The CRM's application service: what the HTTP layer and the scheduler call."""

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
__BLIND_EOF__
mkdir -p tests
cat > tests/test_outbox.py <<'__BLIND_EOF__'
import pytest

from crm.mailer import Outbox


def test_rejects_non_addresses():
    with pytest.raises(ValueError):
        Outbox().send("nobody", "s", "b")
__BLIND_EOF__
commit 'Maya Lindqvist' maya.lindqvist@acme.dev 2026-11-02T10:00:00+00:00 <<'__BLIND_EOF__'
CRM: customers, receipts and dunning mails
__BLIND_EOF__
deploy 1 2026-11-02T12:00:00Z

# --- commit 2: Newsletter for customers who opted in
mkdir -p crm
cat > crm/newsletter.py <<'__BLIND_EOF__'
"""Monthly newsletter to customers who opted in."""

from crm.mailer import Outbox
from crm.models import Customer


def send_newsletter(outbox: Outbox, customers: list[Customer], issue: str) -> int:
    readers = [c for c in customers if c.newsletter]
    for customer in readers:
        outbox.send(customer.email, f"Acme news: {issue}", f"Hello {customer.name}, ...")
    return len(readers)
__BLIND_EOF__
commit 'Amara Okafor' amara.okafor@acme.dev 2026-11-06T09:15:00+00:00 <<'__BLIND_EOF__'
Newsletter for customers who opted in
__BLIND_EOF__
deploy 2 2026-11-06T11:00:00Z

# --- commit 3: Customers: separate billing and marketing addresses
mkdir -p crm
cat > crm/models.py <<'__BLIND_EOF__'
from dataclasses import dataclass


@dataclass
class Customer:
    id: int
    name: str
    billing_email: str
    marketing_email: str | None = None
    newsletter: bool = False

    def newsletter_address(self) -> str:
        return self.marketing_email or self.billing_email
__BLIND_EOF__
mkdir -p crm
cat > crm/newsletter.py <<'__BLIND_EOF__'
"""Monthly newsletter to customers who opted in."""

from crm.mailer import Outbox
from crm.models import Customer


def send_newsletter(outbox: Outbox, customers: list[Customer], issue: str) -> int:
    readers = [c for c in customers if c.newsletter]
    for customer in readers:
        outbox.send(customer.newsletter_address(), f"Acme news: {issue}", f"Hello {customer.name}, ...")
    return len(readers)
__BLIND_EOF__
mkdir -p tests
cat > tests/test_newsletter.py <<'__BLIND_EOF__'
from crm.mailer import Outbox
from crm.models import Customer
from crm.newsletter import send_newsletter


def test_newsletter_prefers_the_marketing_address():
    outbox = Outbox()
    ana = Customer(1, "Ana", "accounts@ana.example", "ana@ana.example", newsletter=True)
    send_newsletter(outbox, [ana, Customer(2, "Bo", "bo@example.org")], "November")
    assert [m["to"] for m in outbox.sent] == ["ana@ana.example"]
__BLIND_EOF__
commit 'Jonas Weber' jonas.weber@acme.dev 2026-11-16T16:20:00+00:00 <<'__BLIND_EOF__'
Customers: separate billing and marketing addresses

Finance wants invoices and payment mail to go to the accounts address,
while the newsletter goes to the person who signed up. Customer.email
becomes billing_email; marketing_email is optional and falls back to it.
__BLIND_EOF__

# --- commit 4: Outbox: log the queue length
mkdir -p crm
cat > crm/mailer.py <<'__BLIND_EOF__'
"""Outgoing mail: queued here, delivered by the mail relay worker."""

import logging

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, to: str, subject: str, body: str) -> None:
        if "@" not in to:
            raise ValueError(f"not an address: {to!r}")
        self.sent.append({"to": to, "subject": subject, "body": body})
        log.debug("outbox holds %d mails", len(self.sent))
__BLIND_EOF__
commit 'Priya Raman' priya.raman@acme.dev 2026-11-17T09:30:00+00:00 <<'__BLIND_EOF__'
Outbox: log the queue length
__BLIND_EOF__
deploy 3 2026-11-17T10:00:00Z
