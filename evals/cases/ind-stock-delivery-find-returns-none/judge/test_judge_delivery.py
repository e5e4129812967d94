from stock.models import Item
from stock.sync import apply_delivery
from stock.warehouse import Warehouse

FEED = "# delivery 2291\nBOLT-8;100\nWASHER-6;50\nnut-8 ;5\n"


def test_unknown_skus_are_rejected_and_the_rest_booked():
    wh = Warehouse((Item("BOLT-8", "Bolt M8", qty=40), Item("NUT-8", "Nut M8", qty=3)))
    report = apply_delivery(wh, FEED)
    assert report == {"received": ["BOLT-8", "nut-8"], "rejected": ["WASHER-6"]}
    assert (wh.find("BOLT-8").qty, wh.find("NUT-8").qty) == (140, 8)
