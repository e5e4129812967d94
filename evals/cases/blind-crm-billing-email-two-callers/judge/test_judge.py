from datetime import date

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
