from stock.api import check_availability, check_cart
from stock.models import Item
from stock.warehouse import Warehouse


def warehouse():
    wh = Warehouse((Item("BOLT-8", "Bolt M8", qty=40), Item("NUT-8", "Nut M8", qty=3)))
    wh.reserve("BOLT-8", 15)
    return wh


def test_cart_check_excludes_reserved_stock():
    cart = {"lines": [{"sku": "bolt-8", "qty": 30}, {"sku": "NUT-8", "qty": 2}]}
    assert check_cart(warehouse(), cart) == {"status": 200, "ok": False, "short": ["BOLT-8"]}


def test_cart_within_stock_and_unknown_skus():
    ok = {"lines": [{"sku": "BOLT-8", "qty": 25}]}
    assert check_cart(warehouse(), ok)["ok"] is True
    unknown = {"lines": [{"sku": "washer", "qty": 1}]}
    assert check_cart(warehouse(), unknown)["short"] == ["WASHER"]


def test_single_sku_availability():
    assert check_availability(warehouse(), {"sku": "BOLT-8"})["available"] == 25
