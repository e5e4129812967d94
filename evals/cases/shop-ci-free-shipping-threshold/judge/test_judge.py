from shop.fees import express_fee, shipping_fee


def test_threshold_is_inclusive():
    assert shipping_fee(50.0) == 0.0
    assert shipping_fee(30.0, member=True) == 0.0


def test_below_threshold():
    assert shipping_fee(49.99) == 4.90
    assert shipping_fee(29.99, member=True) == 4.90


def test_express():
    assert express_fee(50.0) == 7.0
    assert express_fee(10.0) == 11.9
