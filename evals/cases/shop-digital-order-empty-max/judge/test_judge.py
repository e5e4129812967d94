from shop.shipping import quote


def test_digital_only_is_free():
    assert quote([{"sku": "EBOOK-7", "weight_kg": 0, "qty": 1, "digital": True}]) == 0.0


def test_volumetric_weight_still_counts():
    assert quote([{"weight_kg": 0.5, "qty": 1, "volume_l": 30}]) == 15.90
    assert quote([{"weight_kg": 0.4, "qty": 2}]) == 4.90
