from inventory.reorder import needs_reorder, reorder_qty


def test_condition():
    assert needs_reorder(2, 5, 0)
    assert not needs_reorder(2, 5, 10)
    assert not needs_reorder(9, 5, 0)
    assert not needs_reorder(5, 5, 0)


def test_case_rounding():
    assert reorder_qty(2, 5, 20, 0, case_size=12) == 24
    assert reorder_qty(9, 5, 20, 0, case_size=12) == 0
