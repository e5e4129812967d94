from stock.api import purchase_quote
from stock.models import Item
from stock.warehouse import Warehouse


def test_quote_respects_packs_and_supplier_minimum():
    wh = Warehouse((Item("BOLT-8", "Bolt M8", qty=40, pack_size=12, min_packs=2),
                    Item("NUT-8", "Nut M8", qty=3, pack_size=50)))
    assert purchase_quote(wh, {"sku": "BOLT-8", "qty": "5"}) == {
        "status": 200, "sku": "BOLT-8", "qty": 24, "packs": 2}
    assert purchase_quote(wh, {"sku": "NUT-8", "qty": "120"})["qty"] == 150
    assert purchase_quote(wh, {"sku": "WASHER", "qty": "1"})["status"] == 404
