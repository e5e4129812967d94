#!/bin/sh
# Builds the blind-shipping-ci-grams-both-zones repository in "$1": 4 commits.
# Written by evals/blind (python -m evals.blind generate); edit the spec there, not this file.
set -eu
mkdir -p "$1"
cd "$1"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 TZ=UTC LC_ALL=C
git init -q -b main .

commit() {  # author name, author email, date; the message on stdin
    git add -A
    GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" GIT_AUTHOR_DATE="$3" \
    GIT_COMMITTER_NAME="$1" GIT_COMMITTER_EMAIL="$2" GIT_COMMITTER_DATE="$3" \
        git -c commit.gpgsign=false commit -q --cleanup=verbatim -F -
}

deploy() {  # number, date: an annotated tag whose tagger date is the deploy time
    GIT_COMMITTER_NAME="Deploy Bot" GIT_COMMITTER_EMAIL="deploy-bot@acme.test" \
    GIT_COMMITTER_DATE="$2" git -c tag.gpgsign=false tag -a "deploy-$1" -m "environment=production
deployed shipping by the release pipeline"
}

# --- commit 1: Shipping quotes by weight band
mkdir -p shipping
cat > shipping/__init__.py <<'__BLIND_EOF__'
"""Shipping quotes for the web shop."""
__BLIND_EOF__
mkdir -p shipping
cat > shipping/catalog.py <<'__BLIND_EOF__'
"""Product data the quote needs: weight per unit."""

WEIGHTS_KG = {"MUG-1": 0.45, "TEE-3": 0.2, "LAMP-7": 2.6, "DESK-2": 18.5}


def weight_kg(sku: str) -> float:
    return WEIGHTS_KG[sku]
__BLIND_EOF__
mkdir -p shipping
cat > shipping/rates.py <<'__BLIND_EOF__'
"""Rate card: (max weight in kg, price in cents) bands per zone."""

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
__BLIND_EOF__
mkdir -p shipping
cat > shipping/quote.py <<'__BLIND_EOF__'
"""Shipping quote for a basket: lines are (sku, quantity)."""

from shipping import catalog, rates


def parcel_weight(lines: list[tuple[str, int]]) -> float:
    return sum(catalog.weight_kg(sku) * qty for sku, qty in lines)


def quote(lines: list[tuple[str, int]], country: str) -> int:
    weight = parcel_weight(lines)
    if country == rates.HOME_COUNTRY:
        return rates.band_price(rates.DOMESTIC_BANDS, weight)
    return rates.band_price(rates.INTERNATIONAL_BANDS, weight)
__BLIND_EOF__
mkdir -p tests
cat > tests/test_quote.py <<'__BLIND_EOF__'
from shipping.quote import quote


def test_domestic_quote():
    assert quote([("MUG-1", 2)], "DE") == 495
    assert quote([("LAMP-7", 1)], "DE") == 795
__BLIND_EOF__
mkdir -p .github/workflows
cat > .github/workflows/tests.yml <<'__BLIND_EOF__'
name: tests
on: [push, pull_request]
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install pytest
      - run: python -m pytest -q
__BLIND_EOF__
commit 'Maya Lindqvist' maya.lindqvist@acme.dev 2026-11-02T09:10:00+00:00 <<'__BLIND_EOF__'
Shipping quotes by weight band
__BLIND_EOF__
deploy 1 2026-11-02T11:00:00Z

# --- commit 2: Quote: digital-only baskets ship for free
mkdir -p shipping
cat > shipping/quote.py <<'__BLIND_EOF__'
"""Shipping quote for a basket: lines are (sku, quantity)."""

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
__BLIND_EOF__
mkdir -p tests
cat > tests/test_quote.py <<'__BLIND_EOF__'
from shipping.quote import quote


def test_domestic_quote():
    assert quote([("MUG-1", 2)], "DE") == 495
    assert quote([("LAMP-7", 1)], "DE") == 795


def test_empty_basket_is_free():
    assert quote([], "DE") == 0
__BLIND_EOF__
commit 'Tomas Ferreira' tomas.ferreira@acme.dev 2026-11-04T13:25:00+00:00 <<'__BLIND_EOF__'
Quote: digital-only baskets ship for free
__BLIND_EOF__
deploy 2 2026-11-04T15:00:00Z

# --- commit 3: Catalog: keep weights in grams as the supplier feed v2 sends them
mkdir -p shipping
cat > shipping/catalog.py <<'__BLIND_EOF__'
"""Product data the quote needs: weight per unit, in grams (supplier feed v2)."""

WEIGHTS_G = {"MUG-1": 450, "TEE-3": 200, "LAMP-7": 2600, "DESK-2": 18500}


def weight_g(sku: str) -> int:
    return WEIGHTS_G[sku]
__BLIND_EOF__
mkdir -p shipping
cat > shipping/quote.py <<'__BLIND_EOF__'
"""Shipping quote for a basket: lines are (sku, quantity)."""

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
__BLIND_EOF__
commit 'Jonas Weber' jonas.weber@acme.dev 2026-11-09T15:58:00+00:00 <<'__BLIND_EOF__'
Catalog: keep weights in grams as the supplier feed v2 sends them

The v2 feed delivers integer grams. Rounding them to kg lost the
difference between a 450 g and a 499 g mug, so store grams as they come.
__BLIND_EOF__

# --- commit 4: CI: cache pip downloads
mkdir -p .github/workflows
cat > .github/workflows/tests.yml <<'__BLIND_EOF__'
name: tests
on: [push, pull_request]
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
      - run: pip install pytest
      - run: python -m pytest -q
__BLIND_EOF__
commit 'Priya Raman' priya.raman@acme.dev 2026-11-09T16:31:00+00:00 <<'__BLIND_EOF__'
CI: cache pip downloads
__BLIND_EOF__
deploy 3 2026-11-09T16:40:00Z
