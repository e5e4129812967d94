"""blind-shipping-ci-grams-both-zones (ci)."""

from __future__ import annotations

from evals.blind.model import Case, Commit, Edit, WrongFix
from evals.blind.people import JONAS, MAYA, PRIYA, TOMAS
from evals.generate.spec import CI_WORKFLOW

_SHIP_RATES = '''"""Rate card: (max weight in kg, price in cents) bands per zone."""

import math

HOME_COUNTRY = "DE"
DOMESTIC_BANDS = [(1.0, 495), (5.0, 795), (20.0, 1495)]
INTERNATIONAL_BANDS = [(0.5, 1295), (2.0, 2495), (10.0, 4995)]
OVERWEIGHT_CENTS_PER_KG = 250


def band_price(bands: list[tuple[float, int]], weight_kg: float) -> int:
    """Price of the first band the parcel fits; past the last band, a surcharge per extra kg."""
    for limit, cents in bands:
        if weight_kg <= limit:
            return cents
    limit, cents = bands[-1]
    return cents + math.ceil(weight_kg - limit) * OVERWEIGHT_CENTS_PER_KG
'''

_SHIP_QUOTE_1 = '''"""Shipping quote for a basket: lines are (sku, quantity)."""

from shipping import catalog, rates


def parcel_weight(lines: list[tuple[str, int]]) -> float:
    return sum(catalog.weight_kg(sku) * qty for sku, qty in lines)


def quote(lines: list[tuple[str, int]], country: str) -> int:
    weight = parcel_weight(lines)
    if country == rates.HOME_COUNTRY:
        return rates.band_price(rates.DOMESTIC_BANDS, weight)
    return rates.band_price(rates.INTERNATIONAL_BANDS, weight)
'''

_SHIP_QUOTE_2 = '''"""Shipping quote for a basket: lines are (sku, quantity)."""

from shipping import catalog, rates


def parcel_weight(lines: list[tuple[str, int]]) -> float:
    return sum(catalog.weight_kg(sku) * qty for sku, qty in lines)


def quote(lines: list[tuple[str, int]], country: str) -> int:
    """Price in cents; baskets of digital goods only (no weight) ship for free."""
    if not lines:
        return 0
    weight = parcel_weight(lines)
    if country == rates.HOME_COUNTRY:
        return rates.band_price(rates.DOMESTIC_BANDS, weight)
    return rates.band_price(rates.INTERNATIONAL_BANDS, weight)
'''

_SHIP_QUOTE_3 = '''"""Shipping quote for a basket: lines are (sku, quantity)."""

from shipping import catalog, rates


def parcel_grams(lines: list[tuple[str, int]]) -> int:
    return sum(catalog.weight_g(sku) * qty for sku, qty in lines)


def quote(lines: list[tuple[str, int]], country: str) -> int:
    """Price in cents; baskets of digital goods only (no weight) ship for free."""
    if not lines:
        return 0
    grams = parcel_grams(lines)
    if country == rates.HOME_COUNTRY:
        return rates.band_price(rates.DOMESTIC_BANDS, grams)
    return rates.band_price(rates.INTERNATIONAL_BANDS, grams)
'''

_SHIP_JUDGE = '''from shipping.catalog import weight_g
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
'''

CASE = Case(
    id="blind-shipping-ci-grams-both-zones",
    title="CI failure: domestic shipping quotes wrong after the catalog moved to grams",
    source="ci", service="shipping", received_at="2026-11-09T16:42:00Z",
    tags=("units", "multi-site", "logic", "feature-bundled", "regression"),
    commits=(
        Commit("Shipping quotes by weight band", MAYA, "2026-11-02T09:10:00+00:00", {
            "shipping/__init__.py": '"""Shipping quotes for the web shop."""\n',
            "shipping/catalog.py": '''"""Product data the quote needs: weight per unit."""

WEIGHTS_KG = {"MUG-1": 0.45, "TEE-3": 0.2, "LAMP-7": 2.6, "DESK-2": 18.5}


def weight_kg(sku: str) -> float:
    return WEIGHTS_KG[sku]
''',
            "shipping/rates.py": _SHIP_RATES,
            "shipping/quote.py": _SHIP_QUOTE_1,
            "tests/test_quote.py": '''from shipping.quote import quote


def test_domestic_quote():
    assert quote([("MUG-1", 2)], "DE") == 495
    assert quote([("LAMP-7", 1)], "DE") == 795
''',
            ".github/workflows/tests.yml": CI_WORKFLOW,
        }, deploy="2026-11-02T11:00:00Z"),
        Commit("Quote: digital-only baskets ship for free", TOMAS,
               "2026-11-04T13:25:00+00:00", {
            "shipping/quote.py": _SHIP_QUOTE_2,
            "tests/test_quote.py": '''from shipping.quote import quote


def test_domestic_quote():
    assert quote([("MUG-1", 2)], "DE") == 495
    assert quote([("LAMP-7", 1)], "DE") == 795


def test_empty_basket_is_free():
    assert quote([], "DE") == 0
''',
        }, deploy="2026-11-04T15:00:00Z"),
        Commit("Catalog: keep weights in grams as the supplier feed v2 sends them\n\n"
               "The v2 feed delivers integer grams. Rounding them to kg lost the\n"
               "difference between a 450 g and a 499 g mug, so store grams as they come.\n",
               JONAS, "2026-11-09T15:58:00+00:00", {
            "shipping/catalog.py": '''"""Product data the quote needs: weight per unit, '''
            '''in grams (supplier feed v2)."""

WEIGHTS_G = {"MUG-1": 450, "TEE-3": 200, "LAMP-7": 2600, "DESK-2": 18500}


def weight_g(sku: str) -> int:
    return WEIGHTS_G[sku]
''',
            "shipping/quote.py": _SHIP_QUOTE_3,
        }),
        Commit("CI: cache pip downloads", PRIYA, "2026-11-09T16:31:00+00:00", {
            ".github/workflows/tests.yml": CI_WORKFLOW.replace(
                '          python-version: "3.11"\n',
                '          python-version: "3.11"\n          cache: pip\n'),
        }, deploy="2026-11-09T16:40:00Z"),
    ),
    culprit=3, files=("shipping/quote.py",), functions=("quote",),
    judge=_SHIP_JUDGE,
    fix=(Edit("shipping/quote.py", ", grams)", ", grams / 1000)", count=2),),
    wrong_fixes=(
        WrongFix("converts only the domestic branch the visible test covers", (
            Edit("shipping/quote.py", "DOMESTIC_BANDS, grams)", "DOMESTIC_BANDS, grams / 1000)"),
        )),
        WrongFix("floor division loses the part kg: 600 g becomes 0 kg", (
            Edit("shipping/quote.py", ", grams)", ", grams // 1000)", count=2),
        )),
    ),
    summary={"bug": "catalog moved to grams; both zone branches of quote() still pass grams "
                    "to band_price(), which takes kg",
             "fix": "convert grams to kg (/ 1000) in both branches (or once before them)",
             "trap": "converting only the domestic branch the visible test covers; "
                     "`// 1000` truncation"},
)
