from shop.cart import apply_coupon, checkout_total


def test_coupon_without_minimum_applies():
    assert apply_coupon(100.0, "BLACKFRIDAY") == 75.0


def test_checkout_with_blackfriday():
    lines = [{"sku": "TEE-M", "price": 18.0, "qty": 3}]
    assert checkout_total(lines, "BLACKFRIDAY") == 40.5


def test_existing_rules_kept():
    assert apply_coupon(20.0, "FIVEOFF") == 20.0
    assert apply_coupon(30.0, "FIVEOFF") == 25.0
    assert apply_coupon(50.0, "WELCOME10") == 45.0
    assert apply_coupon(50.0, "NOPE") == 50.0
