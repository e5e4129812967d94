from shop.feed import drop_sold_out, run


def test_sold_out_products_are_dropped():
    catalog = {
        "A": {"title": "a", "price": 1.0, "stock": 0},
        "B": {"title": "b", "price": 2.0, "stock": 5},
        "C": {"title": "c", "price": 3.0, "stock": 0},
    }
    assert set(drop_sold_out(catalog)) == {"B"}


def test_run_builds_feed_without_sold_out():
    assert [row["id"] for row in run()] == ["MUG-1", "TEE-M"]
