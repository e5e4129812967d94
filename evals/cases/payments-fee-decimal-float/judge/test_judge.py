from decimal import Decimal

from payments.fees import card_fee, payout


def test_international_fee():
    assert card_fee(Decimal("100.00"), international=True) == Decimal("3.15")
    assert payout(Decimal("240.00"), True) == Decimal("232.79")


def test_domestic_unchanged():
    assert card_fee(Decimal("100.00")) == Decimal("1.65")
    assert card_fee(Decimal("0")) == Decimal("0.00")
