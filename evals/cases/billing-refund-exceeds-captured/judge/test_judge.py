import pytest

from billing.refunds import RefundError, invoice_total, refund


def test_full_return_of_discounted_order_refunds_what_was_paid():
    paid = invoice_total(100.0, 10.0)
    assert refund(paid, 100.0, 10.0, 1.0) == paid


def test_partial_return_shares_the_discount():
    assert refund(110.0, 100.0, 10.0, 0.5) == 55.0


def test_undiscounted_refunds_unchanged():
    assert refund(120.0, 100.0, 0, 0.5) == 60.0
    with pytest.raises(RefundError):
        refund(10.0, 100.0, 0, 1.0)
