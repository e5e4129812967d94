from inventory.items import Item
from inventory.valuation import stock_value, valuation


def test_valuation():
    rows = [
        {"sku": "SKU-1", "qty": "12", "unit_cost": "3.20"},
        {"sku": "SKU-2", "qty": "0", "unit_cost": "8.00"},
    ]
    assert valuation(rows) == {"skus": 1, "value": 38.4}


def test_stock_value():
    assert stock_value([Item("A", 2, 1.5), Item("B", 1, 1.0)]) == 4.0
