"""Inventory: stock levels, pick lists, warehouse routing, supplier sync, reorders."""

# Spec modules embed the services' source text verbatim; its lines may run long.
# ruff: noqa: E501

from __future__ import annotations

from evals.generate.spec import Case, Commit, Crash, Edit, pad, src

INIT = src('"""Inventory service."""')

PICKING_V1 = src('''
    """Pick lists for the warehouse floor."""

    import logging

    log = logging.getLogger("inventory.picking")

    BINS = {"SKU-1": "A-01", "SKU-2": "A-07", "SKU-3": "C-12"}


    def bin_for(sku):
        return BINS.get(sku, "UNSORTED")


    def pick_list(order_lines):
        rows = [(bin_for(line["sku"]), line["sku"], line["qty"]) for line in order_lines]
        return sorted(rows)


    def process_batch(orders):
        lists = {}
        for order in orders:
            lists[order["id"]] = pick_list(order["lines"])
        log.info("built %d pick lists", len(lists))
        return lists
''')

rename_nameerror = Case(
    id="inventory-picking-rename-nameerror",
    title="Pick list worker crashing: NameError: name 'bin_for' is not defined",
    source="pagerduty",
    service="inventory-picking",
    start="2026-11-02T06:50:00",
    commits=[
        Commit(
            "Pick lists sorted by bin",
            "gus",
            files={
                "inventory/__init__.py": INIT,
                "inventory/picking.py": PICKING_V1,
                "tests/test_picking.py": src('''
                    from inventory.picking import pick_list


                    def test_sorted_by_bin():
                        lines = [{"sku": "SKU-3", "qty": 1}, {"sku": "SKU-1", "qty": 2}]
                        assert pick_list(lines) == [("A-01", "SKU-1", 2), ("C-12", "SKU-3", 1)]
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Picking: a SKU can live in several bins\n\n"
            "Overflow stock goes to the B aisle; return every bin, primary first.",
            "chen",
            edits=[
                Edit(
                    "inventory/picking.py",
                    'BINS = {"SKU-1": "A-01", "SKU-2": "A-07", "SKU-3": "C-12"}\n\n\n'
                    "def bin_for(sku):\n"
                    '    return BINS.get(sku, "UNSORTED")\n',
                    'BINS = {"SKU-1": ["A-01", "B-04"], "SKU-2": ["A-07"], "SKU-3": ["C-12"]}\n\n\n'
                    "def bins_for(sku):\n"
                    '    return BINS.get(sku, ["UNSORTED"])\n',
                ),
                Edit(
                    "tests/test_picking.py",
                    "from inventory.picking import pick_list\n",
                    "from inventory.picking import bins_for, pick_list\n\n\n"
                    "def test_bins():\n"
                    '    assert bins_for("SKU-1") == ["A-01", "B-04"]\n'
                    '    assert bins_for("NOPE") == ["UNSORTED"]\n',
                ),
                Edit(
                    "tests/test_picking.py",
                    "\n\ndef test_sorted_by_bin():\n"
                    '    lines = [{"sku": "SKU-3", "qty": 1}, {"sku": "SKU-1", "qty": 2}]\n'
                    '    assert pick_list(lines) == [("A-01", "SKU-1", 2), ("C-12", "SKU-3", 1)]\n',
                    "",
                ),
            ],
            deploy="production",
            hours=27,
        ),
        Commit(
            "Picking: log batch sizes",
            "gus",
            edits=[
                Edit(
                    "inventory/picking.py",
                    "    lists = {}\n",
                    '    log.info("picking batch of %d orders", len(orders))\n    lists = {}\n',
                )
            ],
            deploy="production",
            hours=5,
        ),
    ],
    culprit=1,
    crash=Crash(
        target="inventory.picking:process_batch",
        args='[{"id": "SO-5512", "lines": [{"sku": "SKU-2", "qty": 1}, {"sku": "SKU-1", "qty": 4}]}]',
    ),
    log_lines=["INFO inventory.worker picking worker polling queue picks.v2"],
    files=["inventory/picking.py"],
    functions=["pick_list"],
    judge=src('''
        from inventory.picking import bins_for, pick_list, process_batch


        def test_pick_list_uses_primary_bin():
            lines = [{"sku": "SKU-3", "qty": 1}, {"sku": "SKU-1", "qty": 2}]
            assert pick_list(lines) == [("A-01", "SKU-1", 2), ("C-12", "SKU-3", 1)]
            assert pick_list([{"sku": "X", "qty": 1}]) == [("UNSORTED", "X", 1)]


        def test_batch():
            out = process_batch([{"id": "SO-1", "lines": [{"sku": "SKU-2", "qty": 1}]}])
            assert out == {"SO-1": [("A-07", "SKU-2", 1)]}
            assert bins_for("SKU-1") == ["A-01", "B-04"]
    '''),
    fix=[
        Edit(
            "inventory/picking.py",
            '    rows = [(bin_for(line["sku"]), line["sku"], line["qty"]) for line in order_lines]\n',
            '    rows = [(bins_for(line["sku"])[0], line["sku"], line["qty"]) for line in order_lines]\n',
        )
    ],
    tags=["NameError", "rename", "regression"],
)

ITEMS_V1 = src('''
    """Stock items."""

    from dataclasses import dataclass


    @dataclass
    class Item:
        sku: str
        qty: int
        unit_cost: float


    def load(rows):
        return [Item(r["sku"], int(r["qty"]), float(r["unit_cost"])) for r in rows]
''')

VALUATION_V1 = src('''
    """Stock valuation report."""

    from inventory.items import load


    def stock_value(items):
        return round(sum(item.qty * item.unit_cost for item in items), 2)


    def valuation(rows):
        items = load(rows)
        return {"skus": len(items), "value": stock_value(items)}
''')

attr_rename = Case(
    id="inventory-item-qty-attribute-rename",
    title="AttributeError: 'Item' object has no attribute 'qty' in stock_value",
    source="sentry",
    service="inventory",
    start="2026-11-03T08:30:00",
    commits=[
        Commit(
            "Stock items and valuation",
            "hana",
            files={
                "inventory/__init__.py": INIT,
                "inventory/items.py": ITEMS_V1,
                "inventory/valuation.py": VALUATION_V1,
                "tests/test_items.py": src('''
                    from inventory.items import load


                    def test_load():
                        (item,) = load([{"sku": "A", "qty": "3", "unit_cost": "2.5"}])
                        assert item.sku == "A"
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Valuation: count SKUs with stock only",
            "ben",
            edits=[
                Edit(
                    "inventory/valuation.py",
                    '    return {"skus": len(items), "value": stock_value(items)}\n',
                    '    in_stock = [i for i in items if i.qty > 0]\n'
                    '    return {"skus": len(in_stock), "value": stock_value(items)}\n',
                )
            ],
            deploy="production",
            hours=24,
        ),
        Commit(
            "Items: spell out quantity\n\n"
            "Align the field with the warehouse API, which says quantity everywhere.",
            "ana",
            edits=[
                Edit("inventory/items.py", "    qty: int\n", "    quantity: int\n"),
                Edit(
                    "inventory/valuation.py",
                    "    in_stock = [i for i in items if i.qty > 0]\n",
                    "    in_stock = [i for i in items if i.quantity > 0]\n",
                ),
            ],
            deploy="production",
            hours=29,
        ),
        Commit(
            "README",
            "hana",
            files={"README.md": src("# inventory\n\nStock items and valuation.")},
            deploy="production",
            hours=8,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="inventory.valuation:valuation",
        args='[{"sku": "SKU-1", "qty": "12", "unit_cost": "3.20"}, '
        '{"sku": "SKU-2", "qty": "0", "unit_cost": "8.00"}]',
        tags={"transaction": "GET /reports/valuation"},
    ),
    files=["inventory/valuation.py"],
    functions=["stock_value"],
    judge=src('''
        from inventory.items import Item
        from inventory.valuation import stock_value, valuation


        def test_valuation():
            rows = [
                {"sku": "SKU-1", "qty": "12", "unit_cost": "3.20"},
                {"sku": "SKU-2", "qty": "0", "unit_cost": "8.00"},
            ]
            assert valuation(rows) == {"skus": 1, "value": 38.4}


        def test_stock_value():
            assert stock_value([Item("A", 2, 1.5), Item("B", 1, 1.0)]) == 4.0
    '''),
    fix=[
        Edit(
            "inventory/valuation.py",
            "    return round(sum(item.qty * item.unit_cost for item in items), 2)\n",
            "    return round(sum(item.quantity * item.unit_cost for item in items), 2)\n",
        )
    ],
    tags=["AttributeError", "rename", "regression"],
)

ROUTING_V1 = src('''
    """Routes orders to the warehouse that ships them."""

    WAREHOUSES = {
        "eu-west": {"DE", "FR", "NL", "BE"},
        "eu-north": {"SE", "DK", "FI", "NO"},
    }


    def warehouse_for(country):
        for name, countries in WAREHOUSES.items():
            if country in countries:
                return name
        return "eu-west"


    def route(order):
        return {"order": order["id"], "warehouse": warehouse_for(order["country"])}
''')

env_region = Case(
    id="inventory-routing-missing-env",
    title="KeyError: 'WAREHOUSE_DEFAULT_REGION' when routing orders",
    source="sentry",
    service="inventory",
    start="2026-11-04T10:00:00",
    commits=[
        Commit(
            "Order routing to warehouses",
            "fay",
            files={
                "inventory/__init__.py": INIT,
                "inventory/routing.py": ROUTING_V1,
                "tests/test_routing.py": src('''
                    from inventory.routing import route, warehouse_for


                    def test_known_country():
                        assert warehouse_for("SE") == "eu-north"


                    def test_route():
                        assert route({"id": "o1", "country": "DE"}) == {"order": "o1", "warehouse": "eu-west"}
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Routing: add Austria and Switzerland",
            "eli",
            edits=[
                Edit(
                    "inventory/routing.py",
                    '    "eu-west": {"DE", "FR", "NL", "BE"},\n',
                    '    "eu-west": {"DE", "FR", "NL", "BE", "AT", "CH"},\n',
                )
            ],
            deploy="production",
            hours=22,
        ),
        Commit(
            "Routing: configurable fallback warehouse\n\n"
            "The fallback is now set per deployment (WAREHOUSE_DEFAULT_REGION).",
            "dora",
            edits=[
                Edit(
                    "inventory/routing.py",
                    '"""Routes orders to the warehouse that ships them."""\n',
                    '"""Routes orders to the warehouse that ships them."""\n\nimport os\n',
                ),
                Edit(
                    "inventory/routing.py",
                    '            return name\n    return "eu-west"\n',
                    '            return name\n    return os.environ["WAREHOUSE_DEFAULT_REGION"]\n',
                ),
            ],
            deploy="production",
            hours=28,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="inventory.routing:route",
        args='{"id": "SO-7781", "country": "PT"}',
        tags={"transaction": "task inventory.route_order"},
    ),
    files=["inventory/routing.py"],
    functions=["warehouse_for"],
    judge=src('''
        from inventory.routing import route, warehouse_for


        def test_unset_fallback_uses_default(monkeypatch):
            monkeypatch.delenv("WAREHOUSE_DEFAULT_REGION", raising=False)
            assert route({"id": "SO-7781", "country": "PT"}) == {"order": "SO-7781", "warehouse": "eu-west"}


        def test_configured_fallback(monkeypatch):
            monkeypatch.setenv("WAREHOUSE_DEFAULT_REGION", "eu-north")
            assert warehouse_for("PT") == "eu-north"
            assert warehouse_for("AT") == "eu-west"
    '''),
    fix=[
        Edit(
            "inventory/routing.py",
            '    return os.environ["WAREHOUSE_DEFAULT_REGION"]\n',
            '    return os.environ.get("WAREHOUSE_DEFAULT_REGION", "eu-west")\n',
        )
    ],
    tags=["KeyError", "configuration", "env-var", "regression"],
)

SYNC_V1 = src('''
    """Supplier price sync: copies supplier prices into our catalogue."""

    import logging

    log = logging.getLogger("inventory.sync")


    def fetch_supplier_prices():
        # what the supplier API returned in the failing run (discontinued items are null)
        return {"SKU-1": {"price": 3.1, "currency": "EUR"}, "SKU-2": None, "SKU-3": {"price": 7.0, "currency": "EUR"}}


    def sync(catalogue, supplier=None):
        supplier = fetch_supplier_prices() if supplier is None else supplier
        updated = 0
        for sku in sorted(catalogue):
            record = supplier.get(sku, {"price": catalogue[sku]})
            if record["price"] != catalogue[sku]:
                catalogue[sku] = record["price"]
                updated += 1
        log.info("updated %d prices", updated)
        return updated


    def run():
        return sync({"SKU-1": 3.0, "SKU-2": 5.5, "SKU-3": 7.0})
''')

sync_none = Case(
    id="inventory-supplier-sync-null-record",
    title="Supplier price sync failing: TypeError 'NoneType' object is not subscriptable",
    source="pagerduty",
    service="inventory-sync",
    start="2026-10-20T09:00:00",
    commits=[
        Commit(
            "Supplier price sync",
            "ben",
            files={
                "inventory/__init__.py": INIT,
                "inventory/sync.py": SYNC_V1,
                "tests/test_sync.py": src('''
                    from inventory.sync import sync


                    def test_sync_updates_changed_prices():
                        catalogue = {"A": 1.0, "B": 2.0}
                        assert sync(catalogue, {"A": {"price": 1.5}, "B": {"price": 2.0}}) == 1
                        assert catalogue == {"A": 1.5, "B": 2.0}


                    def test_unknown_items_untouched():
                        catalogue = {"A": 1.0}
                        assert sync(catalogue, {}) == 0
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Sync: add a dry-run switch",
            "ben",
            edits=[
                Edit(
                    "inventory/sync.py",
                    "def sync(catalogue, supplier=None):\n",
                    "def sync(catalogue, supplier=None, dry_run=False):\n",
                ),
                Edit(
                    "inventory/sync.py",
                    "            catalogue[sku] = record[\"price\"]\n",
                    "            if not dry_run:\n"
                    "                catalogue[sku] = record[\"price\"]\n",
                ),
            ],
            deploy="production",
            hours=100,
        ),
        Commit(
            "Sync: README for the on-call",
            "gus",
            files={"README.md": src("# inventory-sync\n\nRuns every hour; safe to re-run.")},
            deploy="production",
            hours=200,
        ),
    ],
    culprit=None,
    crash=Crash(target="inventory.sync:run"),
    log_lines=["INFO inventory.sync hourly supplier sync starting", "INFO inventory.sync supplier returned 3 records"],
    files=["inventory/sync.py"],
    functions=["sync"],
    judge=src('''
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
    '''),
    fix=[
        Edit(
            "inventory/sync.py",
            '        record = supplier.get(sku, {"price": catalogue[sku]})\n',
            '        record = supplier.get(sku) or {"price": catalogue[sku]}\n',
        )
    ],
    tags=["TypeError", "none-handling", "predates-history"],
)

REORDER_V1 = src('''
    """Reorder suggestions."""


    def needs_reorder(stock, min_level, on_order):
        """Reorder when stock is below the minimum and nothing is on order yet."""
        return stock < min_level and on_order == 0


    def reorder_qty(stock, min_level, max_level, on_order):
        if not needs_reorder(stock, min_level, on_order):
            return 0
        return max_level - stock
''')

ci_reorder = Case(
    id="inventory-ci-reorder-wrong-operator",
    title="CI failure: reorders suggested although stock is already on order",
    source="ci",
    service="inventory",
    start="2026-11-06T12:00:00",
    commits=[
        Commit(
            "Reorder suggestions",
            "chen",
            files={
                "inventory/__init__.py": INIT,
                "inventory/reorder.py": REORDER_V1,
                "tests/test_reorder.py": src('''
                    from inventory.reorder import needs_reorder, reorder_qty


                    def test_below_minimum():
                        assert needs_reorder(2, 5, 0)
                        assert reorder_qty(2, 5, 20, 0) == 18


                    def test_already_on_order():
                        assert not needs_reorder(2, 5, 10)


                    def test_enough_stock():
                        assert not needs_reorder(9, 5, 0)
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Reorder: round up to full cases",
            "fay",
            edits=[
                Edit(
                    "inventory/reorder.py",
                    '"""Reorder suggestions."""\n',
                    '"""Reorder suggestions."""\n\nimport math\n',
                ),
                Edit(
                    "inventory/reorder.py",
                    "def reorder_qty(stock, min_level, max_level, on_order):\n"
                    "    if not needs_reorder(stock, min_level, on_order):\n"
                    "        return 0\n"
                    "    return max_level - stock\n",
                    "def reorder_qty(stock, min_level, max_level, on_order, case_size=1):\n"
                    "    if not needs_reorder(stock, min_level, on_order):\n"
                    "        return 0\n"
                    "    return math.ceil((max_level - stock) / case_size) * case_size\n",
                ),
            ],
            deploy="production",
            hours=24,
        ),
        Commit(
            "Reorder: simplify the reorder condition",
            "ana",
            edits=[
                Edit(
                    "inventory/reorder.py",
                    "    return stock < min_level and on_order == 0\n",
                    "    return stock < min_level or on_order == 0\n",
                )
            ],
            deploy="production",
            hours=23,
        ),
    ],
    culprit=2,
    files=["inventory/reorder.py"],
    functions=["needs_reorder"],
    judge=src('''
        from inventory.reorder import needs_reorder, reorder_qty


        def test_condition():
            assert needs_reorder(2, 5, 0)
            assert not needs_reorder(2, 5, 10)
            assert not needs_reorder(9, 5, 0)
            assert not needs_reorder(5, 5, 0)


        def test_case_rounding():
            assert reorder_qty(2, 5, 20, 0, case_size=12) == 24
            assert reorder_qty(9, 5, 20, 0, case_size=12) == 0
    '''),
    fix=[
        Edit(
            "inventory/reorder.py",
            "    return stock < min_level or on_order == 0\n",
            "    return stock < min_level and on_order == 0\n",
        )
    ],
    tags=["wrong-operator", "logic", "regression"],
)

RESERVE_V1 = src('''
    """Stock reservations made at checkout."""

    RESERVED = {}


    def available(stock, sku):
        return stock.get(sku, 0) - RESERVED.get(sku, 0)


    def reserve(stock, sku, qty):
        if available(stock, sku) < qty:
            return False
        RESERVED[sku] = RESERVED.get(sku, 0) + qty
        return True


    def release(sku, qty):
        RESERVED[sku] = max(RESERVED.get(sku, 0) - qty, 0)
''')

WAREHOUSE_V1 = src('''
    """Shipping takes reserved stock out of the warehouse."""

    from inventory import reservations


    class StockError(ValueError):
        pass


    def ship(stock, sku, qty):
        left = stock.get(sku, 0) - qty
        if left < 0:
            raise StockError(f"stock for {sku} would go negative ({left})")
        stock[sku] = left
        reservations.release(sku, qty)
        return left


    def checkout_and_ship(stock, orders):
        shipped = []
        for order in orders:
            if reservations.reserve(stock, order["sku"], order["qty"]):
                shipped.append(order)
        for order in shipped:
            ship(stock, order["sku"], order["qty"])
        return [o["id"] for o in shipped]
''')

oversell = Case(
    id="inventory-oversell-reservation-leak",
    title="StockError: stock for SKU-1 would go negative (-1) when shipping",
    source="sentry",
    service="inventory",
    start="2026-11-05T09:00:00",
    commits=[
        Commit(
            "Reservations and shipping",
            "dora",
            files={
                "inventory/__init__.py": INIT,
                "inventory/reservations.py": RESERVE_V1,
                "inventory/warehouse.py": WAREHOUSE_V1,
                "tests/test_warehouse.py": src('''
                    from inventory import reservations
                    from inventory.warehouse import checkout_and_ship


                    def test_ships_what_is_reserved():
                        reservations.RESERVED.clear()
                        stock = {"SKU-1": 3}
                        assert checkout_and_ship(stock, [{"id": "o1", "sku": "SKU-1", "qty": 2}]) == ["o1"]
                        assert stock == {"SKU-1": 1}
                        assert reservations.RESERVED == {"SKU-1": 0}
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Warehouse: ship partial quantities\n\n"
            "Release only what was shipped; the rest stays reserved for the back order.",
            "eli",
            edits=[
                Edit(
                    "inventory/warehouse.py",
                    "    stock[sku] = left\n    reservations.release(sku, qty)\n",
                    "    stock[sku] = left\n"
                    "    reservations.release(sku, min(qty, reservations.RESERVED.get(sku, 0)))\n",
                ),
            ],
            deploy="production",
            hours=30,
        ),
        Commit(
            "Reservations: cap releases at what is reserved",
            "gus",
            edits=[
                Edit(
                    "inventory/reservations.py",
                    "def release(sku, qty):\n"
                    "    RESERVED[sku] = max(RESERVED.get(sku, 0) - qty, 0)\n",
                    "def release(sku, qty):\n"
                    "    held = RESERVED.get(sku, 0)\n"
                    "    RESERVED[sku] = held - min(qty, held)\n",
                )
            ],
            deploy="production",
            hours=22,
        ),
        Commit(
            "Reservations: reserve against physical stock\n\n"
            "available() hid stock from the warehouse dashboard; compare with stock directly.",
            "hana",
            edits=[
                Edit(
                    "inventory/reservations.py",
                    "    if available(stock, sku) < qty:\n",
                    "    if stock.get(sku, 0) < qty:\n",
                )
            ],
            deploy="production",
            hours=26,
        ),
    ],
    culprit=3,
    crash=Crash(
        target="inventory.warehouse:checkout_and_ship",
        args='{"SKU-1": 3}, [{"id": "SO-1", "sku": "SKU-1", "qty": 2}, {"id": "SO-2", "sku": "SKU-1", "qty": 2}]',
        tags={"transaction": "task inventory.ship_wave"},
    ),
    files=["inventory/reservations.py"],
    functions=["reserve"],
    judge=src('''
        import pytest

        from inventory import reservations
        from inventory.warehouse import StockError, checkout_and_ship, ship


        @pytest.fixture(autouse=True)
        def clean():
            reservations.RESERVED.clear()
            yield
            reservations.RESERVED.clear()


        def test_no_oversell():
            stock = {"SKU-1": 3}
            orders = [{"id": "SO-1", "sku": "SKU-1", "qty": 2}, {"id": "SO-2", "sku": "SKU-1", "qty": 2}]
            assert checkout_and_ship(stock, orders) == ["SO-1"]
            assert stock == {"SKU-1": 1}


        def test_two_orders_fit():
            stock = {"SKU-1": 4}
            orders = [{"id": "a", "sku": "SKU-1", "qty": 2}, {"id": "b", "sku": "SKU-1", "qty": 2}]
            assert checkout_and_ship(stock, orders) == ["a", "b"]


        def test_ship_guard_kept():
            with pytest.raises(StockError):
                ship({"SKU-9": 1}, "SKU-9", 2)
    '''),
    fix=[
        Edit(
            "inventory/reservations.py",
            "    if stock.get(sku, 0) < qty:\n",
            "    if available(stock, sku) < qty:\n",
        )
    ],
    tags=["business-rule", "multi-file", "hard", "regression"],
)

CASES = [
    pad(rename_nameerror, "ci"),
    pad(attr_rename, "version"),
    pad(env_region, "health", "makefile"),
    sync_none,
    ci_reorder,
    pad(oversell, "changelog"),
]
