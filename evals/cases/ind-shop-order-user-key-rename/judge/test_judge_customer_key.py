from shop.models import make_order
from shop.receipts import render_receipt
from shop.reports import revenue_by_customer
from shop.service import ShopService


def orders():
    a = make_order(7, [{"sku": "MUG-1", "qty": 2, "unit_cents": 1250}])
    b = make_order(9, [{"sku": "TEE-3", "qty": 1, "unit_cents": 1999}], channel="app")
    c = make_order(7, [{"sku": "CAP-2", "qty": 1, "unit_cents": 800}])
    d = make_order(9, [{"sku": "MUG-1", "qty": 1, "unit_cents": 1250}])
    d["status"] = "cancelled"
    return [a, b, c, d]


def test_revenue_is_grouped_by_customer():
    assert revenue_by_customer(orders()) == {7: 3300, 9: 1999}


def test_nightly_report_ranks_customers():
    svc = ShopService()
    svc.checkout(7, [{"sku": "CAP-2", "qty": 1, "unit_cents": 800}])
    svc.checkout(9, [{"sku": "TEE-3", "qty": 1, "unit_cents": 1999}], channel="app")
    svc.checkout(7, [{"sku": "CAP-2", "qty": 1, "unit_cents": 800}])
    assert svc.nightly_report()["top"] == [(9, 1999), (7, 1600)]


def test_orders_carry_customer_and_channel():
    order = make_order(7, [{"sku": "MUG-1", "qty": 2, "unit_cents": 1250}], channel="app")
    assert order["customer_id"] == 7 and order["channel"] == "app"
    assert "Ordered via app" in render_receipt(order, "Ana")
