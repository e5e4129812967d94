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
