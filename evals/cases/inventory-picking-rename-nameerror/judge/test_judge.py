from inventory.picking import bins_for, pick_list, process_batch


def test_pick_list_uses_primary_bin():
    lines = [{"sku": "SKU-3", "qty": 1}, {"sku": "SKU-1", "qty": 2}]
    assert pick_list(lines) == [("A-01", "SKU-1", 2), ("C-12", "SKU-3", 1)]
    assert pick_list([{"sku": "X", "qty": 1}]) == [("UNSORTED", "X", 1)]


def test_batch():
    out = process_batch([{"id": "SO-1", "lines": [{"sku": "SKU-2", "qty": 1}]}])
    assert out == {"SO-1": [("A-07", "SKU-2", 1)]}
    assert bins_for("SKU-1") == ["A-01", "B-04"]
