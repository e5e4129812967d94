from shop.models import make_order
from shop.notify import Outbox, shipping_notice
from shop.receipts import render_receipt

RELAY = {"host": "relay", "port": 25}


def test_notice_shows_yen_without_decimals():
    order = make_order(7, [{"sku": "TEA-9", "qty": 1, "unit_cents": 1200}], currency="JPY")
    body = shipping_notice(order, "ken@example.com", Outbox(), RELAY)
    assert body.endswith("Total \u00a51200.")


def test_notice_shows_euros_with_cents():
    order = make_order(7, [{"sku": "MUG-1", "qty": 1, "unit_cents": 1250}])
    body = shipping_notice(order, "ana@example.com", Outbox(), RELAY)
    assert body.endswith("Total \u20ac12.50.")


def test_receipt_in_yen():
    order = make_order(7, [{"sku": "TEA-9", "qty": 2, "unit_cents": 600}], currency="JPY")
    assert render_receipt(order, "Ken").endswith("Total: \u00a51200")
