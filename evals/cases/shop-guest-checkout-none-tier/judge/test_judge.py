from shop.pricing import Customer, order_total


def test_guest_checkout():
    assert order_total(19.999) == 20.0


def test_guest_with_gift_wrap():
    assert order_total(42.0, None, True) == 45.5


def test_member_discount_and_gift_wrap():
    assert order_total(10.0, Customer("c1", "gold")) == 9.0
    assert order_total(100.0, Customer("c3", "platinum"), gift_wrap=True) == 88.5
