from inventory.sync import run, sync


def test_null_records_are_skipped():
    catalogue = {"A": 1.0, "B": 2.0}
    assert sync(catalogue, {"A": None, "B": {"price": 2.5}}) == 1
    assert catalogue == {"A": 1.0, "B": 2.5}


def test_run_and_dry_run():
    assert run() == 1
    catalogue = {"A": 1.0}
    assert sync(catalogue, {"A": {"price": 9.0}}, dry_run=True) == 1
    assert catalogue == {"A": 1.0}
