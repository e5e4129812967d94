import pytest

from inventory import reservations
from inventory.warehouse import StockError, checkout_and_ship, ship


@pytest.fixture(autouse=True)
def clean():
    reservations.RESERVED.clear()
    yield
    reservations.RESERVED.clear()


def test_no_oversell():
    stock = {"SKU-1": 3}
    orders = [{"id": "SO-1", "sku": "SKU-1", "qty": 2}, {"id": "SO-2", "sku": "SKU-1", "qty": 2}]
    assert checkout_and_ship(stock, orders) == ["SO-1"]
    assert stock == {"SKU-1": 1}


def test_two_orders_fit():
    stock = {"SKU-1": 4}
    orders = [{"id": "a", "sku": "SKU-1", "qty": 2}, {"id": "b", "sku": "SKU-1", "qty": 2}]
    assert checkout_and_ship(stock, orders) == ["a", "b"]


def test_ship_guard_kept():
    with pytest.raises(StockError):
        ship({"SKU-9": 1}, "SKU-9", 2)
