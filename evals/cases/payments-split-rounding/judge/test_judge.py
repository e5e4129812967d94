from decimal import Decimal

import pytest

from payments.split import SplitError, split


def test_remainder_cents_go_to_the_first_payers():
    assert split("100.00", 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert split("0.05", 3) == [Decimal("0.02"), Decimal("0.02"), Decimal("0.01")]


def test_even_and_invalid():
    assert split("90.00", 3) == [Decimal("30.00")] * 3
    with pytest.raises(SplitError):
        split("10.00", 0)
