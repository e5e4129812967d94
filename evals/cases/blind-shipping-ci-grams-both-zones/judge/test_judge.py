from shipping.catalog import weight_g
from shipping.quote import parcel_grams, quote


def test_catalog_weights_stay_in_grams():
    assert weight_g("MUG-1") == 450 and parcel_grams([("MUG-1", 2)]) == 900


def test_domestic_bands():
    assert quote([("MUG-1", 2)], "DE") == 495        # 0.9 kg
    assert quote([("LAMP-7", 1)], "DE") == 795       # 2.6 kg
    assert quote([("DESK-2", 1)], "DE") == 1495      # 18.5 kg


def test_international_bands():
    assert quote([("TEE-3", 1)], "FR") == 1295       # 0.2 kg
    assert quote([("TEE-3", 3)], "FR") == 2495       # 0.6 kg
    assert quote([("LAMP-7", 1)], "AT") == 4995      # 2.6 kg


def test_overweight_surcharge_per_started_kg():
    assert quote([("DESK-2", 2)], "DE") == 1495 + 17 * 250   # 37 kg, 17 kg over 20
    assert quote([("DESK-2", 1)], "CH") == 4995 + 9 * 250    # 18.5 kg, 8.5 kg over 10


def test_digital_only_basket_ships_free():
    assert quote([], "DE") == 0 and quote([], "US") == 0
