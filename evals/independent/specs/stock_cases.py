"""Stock cases: a renamed attribute (CI) and a renamed method behind a decoy."""

from __future__ import annotations

from evals.independent.model import Case, Commit, Deploy, Edit, Write, dedent, ind
from evals.independent.specs.stock_base import BASE, DOCS, LABELS, METRICS

RENAME_ON_HAND = Commit(dedent('''
    Item.qty becomes Item.on_hand; items get a bin location

    Pickers need the shelf: Item.location and Warehouse.by_location(). "qty" was read as
    "quantity ordered" by the buyers, so the stock level is on_hand now.
    '''), (
    Edit("stock/models.py", "    qty: int = 0\n", "    on_hand: int = 0\n"),
    Edit("stock/models.py", '    supplier: str = "default"\n',
         '    supplier: str = "default"\n    location: str = ""\n'),
    Edit("stock/models.py", "return self.qty <= self.reorder_point",
         "return self.on_hand <= self.reorder_point"),
    Edit("stock/warehouse.py", "return self.find(sku).qty", "return self.find(sku).on_hand"),
    Edit("stock/warehouse.py", "item.qty += qty", "item.on_hand += qty"),
    Edit("stock/warehouse.py", "item.qty -= qty", "item.on_hand -= qty"),
    Edit("stock/warehouse.py", "    def available(self, sku: str) -> int:\n", ind('''
        def by_location(self) -> dict[str, list[str]]:
            shelves: dict[str, list[str]] = {}
            for item in self.items():
                shelves.setdefault(item.location or "unassigned", []).append(item.sku)
            return shelves

        def available(self, sku: str) -> int:
        ''', 4)),
    Edit("stock/sync.py", "item.qty += qty", "item.on_hand += qty"),
    Edit("tests/test_warehouse.py", 'qty=40), Item("NUT-8", "Nut M8", qty=3)',
         'on_hand=40), Item("NUT-8", "Nut M8", on_hand=3)'),
    Edit("tests/test_warehouse.py", '.qty == 8', '.on_hand == 8'),
    Edit("tests/test_reorder.py", 'Item("LOW", "Low", qty=1, reorder_point=5), '
         'Item("FULL", "Full", qty=50)',
         'Item("LOW", "Low", on_hand=1, reorder_point=5), Item("FULL", "Full", on_hand=50)'),
    Write("tests/test_locations.py", dedent('''
        from stock.models import Item
        from stock.warehouse import Warehouse


        def test_by_location():
            wh = Warehouse((Item("A", "a", location="R1-03"), Item("B", "b")))
            assert wh.by_location() == {"R1-03": ["A"], "unassigned": ["B"]}
        ''')),
), author="Ravi Patel <ravi@acme.test>")

ON_HAND_JUDGE = dedent('''
    from stock.models import Item
    from stock.reorder import suggest
    from stock.warehouse import Warehouse


    def test_suggestions_top_up_to_twice_the_reorder_point():
        items = [Item("LOW", "Low", on_hand=1, reorder_point=5),
                 Item("BOX", "Box", on_hand=2, reorder_point=5, pack_size=12),
                 Item("FULL", "Full", on_hand=50, reorder_point=5)]
        assert suggest(items) == [{"sku": "LOW", "order": 9}, {"sku": "BOX", "order": 12}]


    def test_locations():
        wh = Warehouse((Item("A", "a", on_hand=3, location="R1-03"),))
        assert wh.by_location() == {"R1-03": ["A"]}
    ''')

ON_HAND = Case(
    id="ind-stock-item-qty-attr-rename",
    title="CI red on main: AttributeError 'Item' object has no attribute 'qty'",
    source="ci", kind="3 attribute-rename", position="newest", service="stock",
    summary="Item.qty became Item.on_hand; reorder.suggest still computes the order size "
            "from item.qty and the visible reorder test fails. Wrong fix: getattr(item, 'qty', "
            "0) orders too much; the judge checks exact order quantities.",
    steps=[(BASE, "2026-09-01T09:00:00Z"), (METRICS, "2026-09-03T10:30:00Z"),
           Deploy("2026-09-03T15:00:00Z"), (LABELS, "2026-09-08T14:00:00Z"),
           Deploy("2026-09-09T10:00:00Z"), (RENAME_ON_HAND, "2026-09-14T16:10:00Z")],
    culprit=RENAME_ON_HAND,
    event_at="2026-09-14T16:12:40Z", received_at="2026-09-14T16:12:42Z",
    judge={"test_judge_suggestions.py": ON_HAND_JUDGE},
    good_fix=[Edit("stock/reorder.py", "item.reorder_point * 2 - item.qty",
                   "item.reorder_point * 2 - item.on_hand")],
    wrong_fix=[Edit("stock/reorder.py", "item.reorder_point * 2 - item.qty",
                    'item.reorder_point * 2 - getattr(item, "qty", 0)')],
    wrong_fix_kind="getattr default",
    files=["stock/reorder.py"], functions=["suggest"],
    tags=["AttributeError", "ci", "rename"],
)

NORMALIZE = Commit("Cart checks accept SKUs in any case", (
    Edit("stock/api.py", '        sku = line["sku"]\n',
         '        sku = line["sku"].strip().upper()\n'),
), author="Nora Lind <nora@acme.test>")

RESERVATIONS = Commit(dedent('''
    Reservations: Warehouse.available() is now available_to_promise()

    Web orders reserve stock until they are picked. available_to_promise() is on-hand
    stock minus reservations; pick() and reserve() use it.
    '''), (
    Edit("stock/warehouse.py", "        self._items = {item.sku: item for item in items}\n",
         "        self._items = {item.sku: item for item in items}\n"
         "        self.reserved: dict[str, int] = {}\n"),
    Edit("stock/warehouse.py", ind('''
        def available(self, sku: str) -> int:
            return self.find(sku).qty
        ''', 4), ind('''
        def available_to_promise(self, sku: str) -> int:
            """On-hand stock not yet promised to an order."""
            return self.find(sku).qty - self.reserved.get(sku, 0)

        def reserve(self, sku: str, qty: int) -> int:
            if qty > self.available_to_promise(sku):
                raise ValueError(f"cannot reserve {qty} of {sku}")
            self.reserved[sku] = self.reserved.get(sku, 0) + qty
            return self.reserved[sku]
        ''', 4)),
    Edit("stock/warehouse.py", ind('''
        if qty > self.available(sku):
            raise ValueError(f"only {self.available(sku)} of {sku} available")
        ''', 8), ind('''
        if qty > self.available_to_promise(sku):
            raise ValueError(f"only {self.available_to_promise(sku)} of {sku} available")
        ''', 8)),
    Edit("stock/api.py", "available = warehouse.available(sku)\n    except UnknownSku:\n"
         "        return", "available = warehouse.available_to_promise(sku)\n"
         "    except UnknownSku:\n        return"),
    Write("tests/test_reservations.py", dedent('''
        import pytest

        from stock.models import Item
        from stock.warehouse import Warehouse


        def test_reserved_stock_cannot_be_picked():
            wh = Warehouse((Item("BOLT-8", "Bolt M8", qty=10),))
            wh.reserve("BOLT-8", 8)
            assert wh.available_to_promise("BOLT-8") == 2
            with pytest.raises(ValueError):
                wh.pick("BOLT-8", 3)
        ''')),
), author="Ravi Patel <ravi@acme.test>")

ATP_JUDGE = dedent('''
    from stock.api import check_availability, check_cart
    from stock.models import Item
    from stock.warehouse import Warehouse


    def warehouse():
        wh = Warehouse((Item("BOLT-8", "Bolt M8", qty=40), Item("NUT-8", "Nut M8", qty=3)))
        wh.reserve("BOLT-8", 15)
        return wh


    def test_cart_check_excludes_reserved_stock():
        cart = {"lines": [{"sku": "bolt-8", "qty": 30}, {"sku": "NUT-8", "qty": 2}]}
        assert check_cart(warehouse(), cart) == {"status": 200, "ok": False, "short": ["BOLT-8"]}


    def test_cart_within_stock_and_unknown_skus():
        ok = {"lines": [{"sku": "BOLT-8", "qty": 25}]}
        assert check_cart(warehouse(), ok)["ok"] is True
        unknown = {"lines": [{"sku": "washer", "qty": 1}]}
        assert check_cart(warehouse(), unknown)["short"] == ["WASHER"]


    def test_single_sku_availability():
        assert check_availability(warehouse(), {"sku": "BOLT-8"})["available"] == 25
    ''')

ATP = Case(
    id="ind-stock-available-method-rename",
    title="AttributeError: 'Warehouse' object has no attribute 'available' in check_cart",
    source="sentry", kind="3 method-rename+decoy", position="newest-deploy",
    service="stock",
    summary="Warehouse.available() became available_to_promise() (which subtracts "
            "reservations); api.check_cart still calls available(). A decoy commit "
            "weeks earlier edited the same handler. Wrong fix: getattr(warehouse, 'available', "
            "None) falling back to on-hand stock; the judge checks on-hand minus reservations.",
    steps=[(BASE, "2026-06-01T09:00:00Z"), (NORMALIZE, "2026-06-09T10:00:00Z"),
           Deploy("2026-06-09T15:00:00Z"), (METRICS, "2026-06-22T11:00:00Z"),
           Deploy("2026-06-23T10:00:00Z"), (RESERVATIONS, "2026-07-06T11:00:00Z"),
           (DOCS, "2026-07-06T14:00:00Z"), Deploy("2026-07-07T09:30:00Z")],
    culprit=RESERVATIONS, decoy=NORMALIZE,
    event_at="2026-07-07T09:41:55Z", received_at="2026-07-07T09:41:58Z",
    crash=dedent('''
        from stock.api import check_cart
        from stock.models import Item
        from stock.warehouse import Warehouse
        wh = Warehouse((Item("BOLT-8", "Bolt M8", qty=40), Item("NUT-8", "Nut M8", qty=3)))
        wh.reserve("BOLT-8", 15)
        check_cart(wh, {"lines": [{"sku": "bolt-8", "qty": 30}, {"sku": "NUT-8", "qty": 2}]})
        '''),
    judge={"test_judge_availability.py": ATP_JUDGE},
    good_fix=[Edit("stock/api.py", "available = warehouse.available(sku)",
                   "available = warehouse.available_to_promise(sku)")],
    wrong_fix=[Edit("stock/api.py", "            available = warehouse.available(sku)\n",
                    '            lookup = getattr(warehouse, "available", None)\n'
                    "            available = lookup(sku) if lookup else "
                    "warehouse.find(sku).qty\n")],
    wrong_fix_kind="getattr default",
    files=["stock/api.py"], functions=["check_cart"],
    tags=["AttributeError", "rename", "decoy"], issue_count=6,
)
