"""Shop: cart, coupons, shipping and the product feed of a small web shop."""

# Spec modules embed the services' source text verbatim; its lines may run long.
# ruff: noqa: E501

from __future__ import annotations

from evals.generate.spec import Case, Commit, Crash, Edit, pad, src

INIT = src('"""Shop service."""')

CART_V1 = src('''
    """Cart totals for the checkout page."""

    COUPONS = {
        "WELCOME10": {"kind": "percent", "value": 10},
        "FIVEOFF": {"kind": "fixed", "value": 5, "min_total": 25},
    }


    def subtotal(lines):
        return round(sum(line["price"] * line["qty"] for line in lines), 2)


    def apply_coupon(total, code):
        coupon = COUPONS.get(code)
        if coupon is None:
            return total
        if total < coupon.get("min_total", 0):
            return total
        if coupon["kind"] == "percent":
            return round(total * (100 - coupon["value"]) / 100, 2)
        return round(max(total - coupon["value"], 0), 2)


    def checkout_total(lines, code=None):
        total = subtotal(lines)
        if code:
            total = apply_coupon(total, code)
        return total
''')

CART_TESTS = src('''
    from shop.cart import apply_coupon, checkout_total, subtotal


    def test_subtotal():
        assert subtotal([{"price": 2.5, "qty": 2}, {"price": 1.0, "qty": 3}]) == 8.0


    def test_percent_coupon():
        assert apply_coupon(50.0, "WELCOME10") == 45.0


    def test_fixed_coupon_needs_minimum():
        assert apply_coupon(20.0, "FIVEOFF") == 20.0
        assert apply_coupon(30.0, "FIVEOFF") == 25.0


    def test_checkout_without_coupon():
        assert checkout_total([{"price": 4.0, "qty": 1}]) == 4.0
''')

coupon_keyerror = Case(
    id="shop-coupon-keyerror",
    title="KeyError 'min_total' in apply_coupon after the coupon table refactor",
    source="sentry",
    service="shop",
    start="2026-11-02T09:12:00",
    commits=[
        Commit(
            "Cart totals with percent and fixed coupons",
            "ana",
            files={
                "shop/__init__.py": INIT,
                "shop/cart.py": CART_V1,
                "tests/test_cart.py": CART_TESTS,
                "README.md": src("# shop\n\nCheckout service of the Acme web shop."),
            },
            deploy="production",
        ),
        Commit(
            "Add BLACKFRIDAY coupon",
            "ben",
            edits=[
                Edit(
                    "shop/cart.py",
                    '    "FIVEOFF": {"kind": "fixed", "value": 5, "min_total": 25},\n',
                    '    "FIVEOFF": {"kind": "fixed", "value": 5, "min_total": 25},\n'
                    '    "BLACKFRIDAY": {"kind": "percent", "value": 25},\n',
                )
            ],
            deploy="production",
            hours=26,
        ),
        Commit(
            "Coupons: make the minimum order explicit\n\n"
            "Reading min_total with a default hid typos in the coupon table.",
            "chen",
            edits=[
                Edit(
                    "shop/cart.py",
                    '    if total < coupon.get("min_total", 0):\n',
                    '    if total < coupon["min_total"]:\n',
                ),
                Edit(
                    "shop/cart.py",
                    '"WELCOME10": {"kind": "percent", "value": 10}',
                    '"WELCOME10": {"kind": "percent", "value": 10, "min_total": 0}',
                ),
            ],
            hours=30,
        ),
        Commit(
            "README: document coupon kinds",
            "dora",
            edits=[
                Edit(
                    "README.md",
                    "Checkout service of the Acme web shop.\n",
                    "Checkout service of the Acme web shop.\n\n"
                    "Coupons are `percent` or `fixed`; `min_total` is the minimum order.\n",
                )
            ],
            deploy="production",
            hours=4,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="shop.cart:checkout_total",
        args='[{"sku": "TEE-M", "price": 18.0, "qty": 3}], "BLACKFRIDAY"',
        tags={"transaction": "POST /checkout", "url": "https://shop.acme.dev/checkout"},
    ),
    files=["shop/cart.py"],
    functions=["apply_coupon"],
    judge=src('''
        from shop.cart import apply_coupon, checkout_total


        def test_coupon_without_minimum_applies():
            assert apply_coupon(100.0, "BLACKFRIDAY") == 75.0


        def test_checkout_with_blackfriday():
            lines = [{"sku": "TEE-M", "price": 18.0, "qty": 3}]
            assert checkout_total(lines, "BLACKFRIDAY") == 40.5


        def test_existing_rules_kept():
            assert apply_coupon(20.0, "FIVEOFF") == 20.0
            assert apply_coupon(30.0, "FIVEOFF") == 25.0
            assert apply_coupon(50.0, "WELCOME10") == 45.0
            assert apply_coupon(50.0, "NOPE") == 50.0
    '''),
    fix=[
        Edit(
            "shop/cart.py",
            '    if total < coupon["min_total"]:\n',
            '    if total < coupon.get("min_total", 0):\n',
        )
    ],
    tags=["KeyError", "missing-key", "regression"],
)


PRICING_V1 = src('''
    """Order pricing: member discounts and fees."""

    from dataclasses import dataclass


    @dataclass
    class Customer:
        id: str
        tier: str = "basic"


    TIER_DISCOUNT = {"basic": 0, "silver": 5, "gold": 10}


    def order_total(subtotal, customer=None):
        return round(subtotal, 2)
''')

PRICING_TESTS = src('''
    from shop.pricing import Customer, order_total


    def test_plain_total():
        assert order_total(19.999) == 20.0


    def test_member_total():
        assert order_total(10.0, Customer("c1", "gold")) == 9.0
''')

guest_loyalty_none = Case(
    id="shop-guest-checkout-none-tier",
    title="AttributeError: 'NoneType' object has no attribute 'tier' for guest checkouts",
    source="sentry",
    service="shop",
    start="2026-11-05T08:40:00",
    commits=[
        Commit(
            "Order pricing module",
            "ana",
            files={
                "shop/__init__.py": INIT,
                "shop/pricing.py": PRICING_V1.replace(
                    "    return round(subtotal, 2)\n",
                    "    if customer is not None:\n"
                    "        subtotal -= subtotal * TIER_DISCOUNT[customer.tier] / 100\n"
                    "    return round(subtotal, 2)\n",
                ),
                "tests/test_pricing.py": PRICING_TESTS,
                "README.md": src("# shop pricing\n\nPrices orders for members and guests."),
            },
            deploy="production",
        ),
        Commit(
            "Add platinum tier",
            "eli",
            edits=[Edit("shop/pricing.py", '"gold": 10}', '"gold": 10, "platinum": 15}')],
            deploy="production",
            hours=22,
        ),
        Commit(
            "Gift wrapping fee; simplify member discount\n\n"
            "Adds the gift wrap option (3.50 per order) requested by marketing and moves the\n"
            "discount lookup into one expression.",
            "fay",
            edits=[
                Edit(
                    "shop/pricing.py",
                    "def order_total(subtotal, customer=None):\n"
                    "    if customer is not None:\n"
                    "        subtotal -= subtotal * TIER_DISCOUNT[customer.tier] / 100\n"
                    "    return round(subtotal, 2)\n",
                    "GIFT_WRAP_FEE = 3.50\n\n\n"
                    "def order_total(subtotal, customer=None, gift_wrap=False):\n"
                    "    discount = TIER_DISCOUNT[customer.tier]\n"
                    "    subtotal -= subtotal * discount / 100\n"
                    "    if gift_wrap:\n"
                    "        subtotal += GIFT_WRAP_FEE\n"
                    "    return round(subtotal, 2)\n",
                ),
                Edit(
                    "tests/test_pricing.py",
                    "def test_plain_total():\n    assert order_total(19.999) == 20.0\n",
                    "def test_gift_wrap():\n"
                    '    assert order_total(10.0, Customer("c2"), gift_wrap=True) == 13.5\n',
                ),
            ],
            deploy="production",
            hours=27,
        ),
        Commit(
            "Log pricing decisions at debug level",
            "ana",
            edits=[
                Edit(
                    "shop/pricing.py",
                    "from dataclasses import dataclass\n",
                    "import logging\nfrom dataclasses import dataclass\n\nlog = logging.getLogger(__name__)\n",
                ),
                Edit(
                    "shop/pricing.py",
                    "    if gift_wrap:\n",
                    '    log.debug("discount %s%% applied", discount)\n    if gift_wrap:\n',
                ),
            ],
            deploy="production",
            hours=5,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="shop.pricing:order_total",
        args="42.0, None, True",
        tags={"transaction": "POST /checkout/guest"},
    ),
    files=["shop/pricing.py"],
    functions=["order_total"],
    judge=src('''
        from shop.pricing import Customer, order_total


        def test_guest_checkout():
            assert order_total(19.999) == 20.0


        def test_guest_with_gift_wrap():
            assert order_total(42.0, None, True) == 45.5


        def test_member_discount_and_gift_wrap():
            assert order_total(10.0, Customer("c1", "gold")) == 9.0
            assert order_total(100.0, Customer("c3", "platinum"), gift_wrap=True) == 88.5
    '''),
    fix=[
        Edit(
            "shop/pricing.py",
            "    discount = TIER_DISCOUNT[customer.tier]\n",
            "    discount = TIER_DISCOUNT[customer.tier] if customer is not None else 0\n",
        )
    ],
    tags=["AttributeError", "none-handling", "regression", "feature-bundled"],
    feature_test=True,
)

SHIPPING_V1 = src('''
    """Shipping quotes for the checkout."""

    RATES = [(1.0, 4.90), (5.0, 8.90), (20.0, 15.90)]  # (max parcel kg, price)


    def parcel_weight(items):
        return sum(item["weight_kg"] * item["qty"] for item in items)


    def rate_for(weight_kg):
        for limit, price in RATES:
            if weight_kg <= limit:
                return price
        raise ValueError(f"parcel too heavy: {weight_kg} kg")


    def quote(items):
        physical = [i for i in items if not i.get("digital")]
        if not physical:
            return 0.0
        return rate_for(parcel_weight(physical))
''')

digital_max_empty = Case(
    id="shop-digital-order-empty-max",
    title="ValueError: max() arg is an empty sequence when quoting digital-only orders",
    source="sentry",
    service="shop",
    start="2026-11-08T10:05:00",
    commits=[
        Commit(
            "Shipping quotes by parcel weight",
            "gus",
            files={
                "shop/__init__.py": INIT,
                "shop/shipping.py": SHIPPING_V1,
                "tests/test_shipping.py": src('''
                    from shop.shipping import quote


                    def test_light_parcel():
                        assert quote([{"weight_kg": 0.4, "qty": 2}]) == 4.90


                    def test_digital_only_is_free():
                        assert quote([{"weight_kg": 0, "qty": 1, "digital": True}]) == 0.0
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Bill by the heaviest of actual and volumetric weight\n\n"
            "Carriers charge the larger of the two; quotes were too low for bulky boxes.",
            "hana",
            edits=[
                Edit(
                    "shop/shipping.py",
                    "    physical = [i for i in items if not i.get(\"digital\")]\n"
                    "    if not physical:\n"
                    "        return 0.0\n"
                    "    return rate_for(parcel_weight(physical))\n",
                    "    physical = [i for i in items if not i.get(\"digital\")]\n"
                    "    volumetric = max(i.get(\"volume_l\", 0) / 5.0 for i in physical)\n"
                    "    if not physical:\n"
                    "        return 0.0\n"
                    "    return rate_for(max(parcel_weight(physical), volumetric))\n",
                ),
                Edit(
                    "tests/test_shipping.py",
                    "\n\ndef test_digital_only_is_free():\n"
                    '    assert quote([{"weight_kg": 0, "qty": 1, "digital": True}]) == 0.0\n',
                    "\n\ndef test_bulky_parcel():\n"
                    '    assert quote([{"weight_kg": 0.5, "qty": 1, "volume_l": 30}]) == 15.90\n',
                ),
            ],
            deploy="production",
            hours=30,
        ),
        Commit(
            "Shipping: name the rate table columns",
            "gus",
            edits=[
                Edit(
                    "shop/shipping.py",
                    "RATES = [(1.0, 4.90), (5.0, 8.90), (20.0, 15.90)]  # (max parcel kg, price)\n",
                    "# (max parcel kg, price in EUR)\nRATES = [(1.0, 4.90), (5.0, 8.90), (20.0, 15.90)]\n",
                )
            ],
            deploy="production",
            hours=20,
        ),
    ],
    culprit=1,
    crash=Crash(
        target="shop.shipping:quote",
        args='[{"sku": "EBOOK-7", "weight_kg": 0, "qty": 1, "digital": True}]',
        tags={"transaction": "GET /checkout/shipping-quote"},
    ),
    files=["shop/shipping.py"],
    functions=["quote"],
    judge=src('''
        from shop.shipping import quote


        def test_digital_only_is_free():
            assert quote([{"sku": "EBOOK-7", "weight_kg": 0, "qty": 1, "digital": True}]) == 0.0


        def test_volumetric_weight_still_counts():
            assert quote([{"weight_kg": 0.5, "qty": 1, "volume_l": 30}]) == 15.90
            assert quote([{"weight_kg": 0.4, "qty": 2}]) == 4.90
    '''),
    fix=[
        Edit(
            "shop/shipping.py",
            "    volumetric = max(i.get(\"volume_l\", 0) / 5.0 for i in physical)\n",
            "    volumetric = max((i.get(\"volume_l\", 0) / 5.0 for i in physical), default=0.0)\n",
        )
    ],
    tags=["ValueError", "empty-collection", "regression"],
)

FREE_SHIP = src('''
    """Free shipping rules."""

    FREE_SHIPPING_FROM = 50.0
    MEMBER_FREE_SHIPPING_FROM = 30.0


    def shipping_fee(subtotal, member=False, base_fee=4.90):
        threshold = MEMBER_FREE_SHIPPING_FROM if member else FREE_SHIPPING_FROM
        if subtotal >= threshold:
            return 0.0
        return base_fee
''')

ci_free_shipping = Case(
    id="shop-ci-free-shipping-threshold",
    title="CI failure: free shipping no longer granted at exactly the threshold",
    source="ci",
    service="shop",
    start="2026-11-10T13:00:00",
    commits=[
        Commit(
            "Free shipping rules",
            "dora",
            files={
                "shop/__init__.py": INIT,
                "shop/fees.py": FREE_SHIP,
                "tests/test_fees.py": src('''
                    from shop.fees import shipping_fee


                    def test_below_threshold_pays():
                        assert shipping_fee(49.99) == 4.90


                    def test_free_from_threshold():
                        assert shipping_fee(50.0) == 0.0
                        assert shipping_fee(80.0) == 0.0


                    def test_members_threshold():
                        assert shipping_fee(30.0, member=True) == 0.0
                        assert shipping_fee(29.0, member=True) == 4.90
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Express shipping fee",
            "ben",
            edits=[
                Edit(
                    "shop/fees.py",
                    '"""Free shipping rules."""\n',
                    '"""Free shipping rules."""\n\nEXPRESS_SURCHARGE = 7.0\n',
                ),
                Edit(
                    "shop/fees.py",
                    "    return base_fee\n",
                    "    return base_fee\n\n\ndef express_fee(subtotal, member=False):\n"
                    "    return shipping_fee(subtotal, member) + EXPRESS_SURCHARGE\n",
                ),
            ],
            deploy="production",
            hours=24,
        ),
        Commit(
            "Fees: treat the free shipping threshold as an upper bound for paid shipping",
            "eli",
            edits=[
                Edit(
                    "shop/fees.py",
                    "    if subtotal >= threshold:\n",
                    "    if subtotal > threshold:\n",
                )
            ],
            deploy="production",
            hours=22,
        ),
    ],
    culprit=2,
    files=["shop/fees.py"],
    functions=["shipping_fee"],
    judge=src('''
        from shop.fees import express_fee, shipping_fee


        def test_threshold_is_inclusive():
            assert shipping_fee(50.0) == 0.0
            assert shipping_fee(30.0, member=True) == 0.0


        def test_below_threshold():
            assert shipping_fee(49.99) == 4.90
            assert shipping_fee(29.99, member=True) == 4.90


        def test_express():
            assert express_fee(50.0) == 7.0
            assert express_fee(10.0) == 11.9
    '''),
    fix=[Edit("shop/fees.py", "    if subtotal > threshold:\n", "    if subtotal >= threshold:\n")],
    tags=["wrong-operator", "logic", "regression"],
)

FEED_V1 = src('''
    """Builds the product feed pushed to marketplaces every 15 minutes."""

    import logging

    log = logging.getLogger("shop.feed")


    def load_catalog():
        return {
            "TEE-M": {"title": "Tee M", "price": 18.0, "stock": 12},
            "TEE-L": {"title": "Tee L", "price": 18.0, "stock": 0},
            "MUG-1": {"title": "Mug", "price": 9.5, "stock": 40},
            "CAP-2": {"title": "Cap", "price": 14.0, "stock": 0},
        }


    def build_feed(catalog):
        feed = []
        for sku, product in sorted(catalog.items()):
            feed.append({"id": sku, "title": product["title"], "price": product["price"]})
        return feed


    def run():
        catalog = load_catalog()
        feed = build_feed(catalog)
        log.info("feed built with %d products", len(feed))
        return feed
''')

feed_dict_mutation = Case(
    id="shop-feed-dict-mutation",
    title="RuntimeError: dictionary changed size during iteration in the product feed job",
    source="pagerduty",
    service="shop-feed",
    start="2026-11-11T07:30:00",
    commits=[
        Commit(
            "Product feed job",
            "chen",
            files={
                "shop/__init__.py": INIT,
                "shop/feed.py": FEED_V1,
                "tests/test_feed.py": src('''
                    from shop.feed import build_feed, drop_sold_out


                    def test_feed_rows():
                        feed = build_feed({"A": {"title": "a", "price": 1.0, "stock": 1}})
                        assert feed == [{"id": "A", "title": "a", "price": 1.0}]


                    def test_drop_sold_out_keeps_stocked():
                        catalog = {"A": {"title": "a", "price": 1.0, "stock": 3}}
                        assert drop_sold_out(catalog) == catalog
                ''').replace("build_feed, drop_sold_out", "build_feed").replace(
                    "\n\n\ndef test_drop_sold_out_keeps_stocked():\n"
                    '    catalog = {"A": {"title": "a", "price": 1.0, "stock": 3}}\n'
                    "    assert drop_sold_out(catalog) == catalog\n",
                    "\n",
                ),
            },
            deploy="production",
        ),
        Commit(
            "Feed: leave sold-out products out of the marketplace feed",
            "hana",
            edits=[
                Edit(
                    "shop/feed.py",
                    "def build_feed(catalog):\n",
                    "def drop_sold_out(catalog):\n"
                    "    for sku, product in catalog.items():\n"
                    "        if product[\"stock\"] <= 0:\n"
                    "            del catalog[sku]\n"
                    "    return catalog\n\n\n"
                    "def build_feed(catalog):\n",
                ),
                Edit(
                    "shop/feed.py",
                    "    catalog = load_catalog()\n",
                    "    catalog = drop_sold_out(load_catalog())\n",
                ),
                Edit(
                    "tests/test_feed.py",
                    "from shop.feed import build_feed\n",
                    "from shop.feed import build_feed, drop_sold_out\n",
                ),
                Edit(
                    "tests/test_feed.py",
                    '    assert feed == [{"id": "A", "title": "a", "price": 1.0}]\n',
                    '    assert feed == [{"id": "A", "title": "a", "price": 1.0}]\n\n\n'
                    "def test_drop_sold_out_keeps_stocked():\n"
                    '    catalog = {"A": {"title": "a", "price": 1.0, "stock": 3}}\n'
                    "    assert drop_sold_out(catalog) == catalog\n",
                ),
            ],
            hours=25,
        ),
        Commit(
            "Feed: log the feed size",
            "chen",
            edits=[
                Edit(
                    "shop/feed.py",
                    '    log.info("feed built with %d products", len(feed))\n',
                    '    log.info("feed built with %d products (catalog %d)", len(feed), len(catalog))\n',
                )
            ],
            deploy="production",
            hours=3,
        ),
    ],
    culprit=1,
    crash=Crash(target="shop.feed:run"),
    log_lines=["INFO shop.feed feed job started (schedule */15)", "INFO shop.feed catalog loaded: 4 products"],
    files=["shop/feed.py"],
    functions=["drop_sold_out"],
    judge=src('''
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
    '''),
    fix=[
        Edit(
            "shop/feed.py",
            "    for sku, product in catalog.items():\n",
            "    for sku, product in list(catalog.items()):\n",
        )
    ],
    tags=["RuntimeError", "dict-mutation", "regression"],
)

CASES = [
    pad(coupon_keyerror, "ci"),
    pad(guest_loyalty_none, "health"),
    pad(digital_max_empty, "changelog"),
    pad(ci_free_shipping, "makefile", same_push=True),
    pad(feed_dict_mutation, "version", "ci"),
]
