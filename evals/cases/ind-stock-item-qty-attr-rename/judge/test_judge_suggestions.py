from stock.models import Item
from stock.reorder import suggest
from stock.warehouse import Warehouse


def test_suggestions_top_up_to_twice_the_reorder_point():
    items = [Item("LOW", "Low", on_hand=1, reorder_point=5),
             Item("BOX", "Box", on_hand=2, reorder_point=5, pack_size=12),
             Item("FULL", "Full", on_hand=50, reorder_point=5)]
    assert suggest(items) == [{"sku": "LOW", "order": 9}, {"sku": "BOX", "order": 12}]


def test_locations():
    wh = Warehouse((Item("A", "a", on_hand=3, location="R1-03"),))
    assert wh.by_location() == {"R1-03": ["A"]}
