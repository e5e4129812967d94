"""Stock cases: a lookup that now returns None, and a pack helper that moved."""

from __future__ import annotations

from evals.independent.model import Case, Commit, Deploy, Edit, Write, dedent, ind
from evals.independent.specs.stock_base import BASE, DOCS, LABELS, METRICS

FIND_NONE = Commit(dedent('''
    Warehouse.find ignores SKU case and returns None for SKUs we do not stock

    Supplier feeds and the API send "bolt-8" and " BOLT-8". find() normalises the SKU
    and answers None instead of raising; receive, pick, available and the purchase quote
    raise UnknownSku (or answer 404) themselves.
    '''), (
    Edit("stock/warehouse.py", ind('''
        def find(self, sku: str) -> Item:
            try:
                return self._items[sku]
            except KeyError:
                raise UnknownSku(sku) from None
        ''', 4), ind('''
        def find(self, sku: str) -> Item | None:
            """The item for `sku` (case and spaces ignored); None when we do not stock it."""
            return self._items.get(sku.strip().upper())

        def get(self, sku: str) -> Item:
            item = self.find(sku)
            if item is None:
                raise UnknownSku(sku)
            return item
        ''', 4)),
    Edit("stock/warehouse.py", "return self.find(sku).qty", "return self.get(sku).qty"),
    Edit("stock/warehouse.py", "        item = self.find(sku)\n        item.qty += qty\n",
         "        item = self.get(sku)\n        item.qty += qty\n"),
    Edit("stock/warehouse.py", "        item = self.find(sku)\n        item.qty -= qty\n",
         "        item = self.get(sku)\n        item.qty -= qty\n"),
    Edit("stock/api.py", ind('''
        try:
            item = warehouse.find(request["sku"])
        except UnknownSku:
            return {"status": 404, "error": f"unknown sku {request['sku']}"}
        ''', 4), ind('''
        item = warehouse.find(request["sku"])
        if item is None:
            return {"status": 404, "error": f"unknown sku {request['sku']}"}
        ''', 4)),
    Write("tests/test_find.py", dedent('''
        import pytest

        from stock.models import Item
        from stock.warehouse import UnknownSku, Warehouse


        def test_find_normalises_and_returns_none():
            wh = Warehouse((Item("BOLT-8", "Bolt M8", qty=4),))
            assert wh.find(" bolt-8 ").sku == "BOLT-8"
            assert wh.find("WASHER") is None
            with pytest.raises(UnknownSku):
                wh.pick("WASHER", 1)
        ''')),
), author="Ravi Patel <ravi@acme.test>")

FEED_JUDGE = dedent('''
    from stock.models import Item
    from stock.sync import apply_delivery
    from stock.warehouse import Warehouse

    FEED = "# delivery 2291\\nBOLT-8;100\\nWASHER-6;50\\nnut-8 ;5\\n"


    def test_unknown_skus_are_rejected_and_the_rest_booked():
        wh = Warehouse((Item("BOLT-8", "Bolt M8", qty=40), Item("NUT-8", "Nut M8", qty=3)))
        report = apply_delivery(wh, FEED)
        assert report == {"received": ["BOLT-8", "nut-8"], "rejected": ["WASHER-6"]}
        assert (wh.find("BOLT-8").qty, wh.find("NUT-8").qty) == (140, 8)
    ''')

FEED_NONE = Case(
    id="ind-stock-delivery-find-returns-none",
    title="AttributeError: 'NoneType' object has no attribute 'qty' in apply_delivery",
    source="pagerduty", kind="5 contract-none", position="older-deploy", service="stock",
    summary="Warehouse.find now returns None for SKUs we do not stock (callers raise "
            "UnknownSku); sync.apply_delivery still relies on the exception. Wrong fix: "
            "`if item is None: continue` drops the line silently; the judge wants it in the "
            "delivery's rejected list.",
    steps=[(BASE, "2026-10-01T09:00:00Z"), (LABELS, "2026-10-05T10:00:00Z"),
           Deploy("2026-10-05T16:00:00Z"), (FIND_NONE, "2026-10-13T10:00:00Z"),
           Deploy("2026-10-13T15:00:00Z"), (METRICS, "2026-10-15T09:30:00Z"),
           (DOCS, "2026-10-16T08:50:00Z"), Deploy("2026-10-16T11:00:00Z")],
    culprit=FIND_NONE,
    first_error_at="2026-10-14T06:00:12Z",
    event_at="2026-10-16T12:00:09Z", received_at="2026-10-16T12:00:13Z",
    crash=dedent('''
        from stock.models import Item
        from stock.sync import apply_delivery
        from stock.warehouse import Warehouse
        wh = Warehouse((Item("BOLT-8", "Bolt M8", qty=40), Item("NUT-8", "Nut M8", qty=3)))
        apply_delivery(wh, "# delivery 2291 from Nordic Fasteners\\nBOLT-8;100\\nWASHER-6;50\\n")
        '''),
    judge={"test_judge_delivery.py": FEED_JUDGE},
    good_fix=[Edit("stock/sync.py",
                   "            item = warehouse.find(sku)\n        except UnknownSku:",
                   "            item = warehouse.find(sku)\n            if item is None:\n"
                   "                raise UnknownSku(sku)\n        except UnknownSku:")],
    wrong_fix=[Edit("stock/sync.py", "        item.qty += qty\n",
                    "        if item is None:\n            continue\n        item.qty += qty\n")],
    wrong_fix_kind="early continue on None",
    files=["stock/sync.py"], functions=["apply_delivery"],
    tags=["AttributeError", "None", "contract"], issue_count=3,
)

MOVE_PACKS = Commit(dedent('''
    Supplier minimum order: pack rounding moves to stock.packs.order_quantity

    Nordic Fasteners only ships whole cartons and at least two per order. Items carry
    min_packs; stock.packs.order_quantity(item, wanted) replaces reorder.round_up_to_pack.
    '''), (
    Edit("stock/models.py", "    pack_size: int = 1\n",
         "    pack_size: int = 1\n    min_packs: int = 1\n"),
    Write("stock/packs.py", dedent('''
        """How much to order from a supplier."""

        from __future__ import annotations

        from stock.models import Item


        def order_quantity(item: Item, wanted: int) -> int:
            """Units to order: whole packs, and at least the supplier's minimum of packs."""
            packs = max(-(-wanted // item.pack_size), item.min_packs)
            return packs * item.pack_size
        ''')),
    Edit("stock/reorder.py", dedent('''
        from stock.models import Item


        def round_up_to_pack(qty: int, pack_size: int) -> int:
            return -(-qty // pack_size) * pack_size
        '''), "from stock.models import Item\nfrom stock.packs import order_quantity\n"),
    Edit("stock/reorder.py", "round_up_to_pack(wanted, item.pack_size)",
         "order_quantity(item, wanted)"),
    Edit("tests/test_reorder.py", "from stock.reorder import round_up_to_pack, suggest",
         "from stock.packs import order_quantity\nfrom stock.reorder import suggest"),
    Edit("tests/test_reorder.py",
         "    assert [round_up_to_pack(q, 12) for q in (1, 12, 13)] == [12, 12, 24]\n",
         '    box = Item("BOX", "Box", pack_size=12)\n'
         "    assert [order_quantity(box, q) for q in (1, 12, 13)] == [12, 12, 24]\n"
         '    carton = Item("CTN", "Carton", pack_size=12, min_packs=2)\n'
         "    assert order_quantity(carton, 5) == 24\n"),
), author="Nora Lind <nora@acme.test>")

PACKS_JUDGE = dedent('''
    from stock.api import purchase_quote
    from stock.models import Item
    from stock.warehouse import Warehouse


    def test_quote_respects_packs_and_supplier_minimum():
        wh = Warehouse((Item("BOLT-8", "Bolt M8", qty=40, pack_size=12, min_packs=2),
                        Item("NUT-8", "Nut M8", qty=3, pack_size=50)))
        assert purchase_quote(wh, {"sku": "BOLT-8", "qty": "5"}) == {
            "status": 200, "sku": "BOLT-8", "qty": 24, "packs": 2}
        assert purchase_quote(wh, {"sku": "NUT-8", "qty": "120"})["qty"] == 150
        assert purchase_quote(wh, {"sku": "WASHER", "qty": "1"})["status"] == 404
    ''')

PACKS_MOVED = Case(
    id="ind-stock-pack-helper-moved",
    title="ImportError: cannot import name 'round_up_to_pack' from 'stock.reorder'",
    source="sentry", kind="4 moved-helper", position="newest", service="stock",
    summary="reorder.round_up_to_pack was replaced by stock.packs.order_quantity(item, "
            "wanted), which also enforces the supplier's minimum packs; api.purchase_quote "
            "still imports the old name inside the function. Wrong fix: an ImportError "
            "fallback that rounds to packs only; the judge checks the minimum.",
    steps=[(BASE, "2026-11-02T09:00:00Z"), (METRICS, "2026-11-04T11:00:00Z"),
           Deploy("2026-11-04T15:00:00Z"), (DOCS, "2026-11-10T10:00:00Z"),
           (LABELS, "2026-11-11T09:00:00Z"), Deploy("2026-11-11T10:00:00Z"),
           (MOVE_PACKS, "2026-11-18T13:30:00Z"), Deploy("2026-11-18T16:00:00Z")],
    culprit=MOVE_PACKS,
    event_at="2026-11-18T16:25:03Z", received_at="2026-11-18T16:25:05Z",
    crash=dedent('''
        from stock.api import purchase_quote
        from stock.models import Item
        from stock.warehouse import Warehouse
        wh = Warehouse((Item("BOLT-8", "Bolt M8", qty=40, pack_size=12, min_packs=2),))
        purchase_quote(wh, {"sku": "BOLT-8", "qty": "5"})
        '''),
    judge={"test_judge_purchase_quote.py": PACKS_JUDGE},
    good_fix=[Edit("stock/api.py", "from stock.reorder import round_up_to_pack  "
                   "# stock.reorder imports the API's callers",
                   "from stock.packs import order_quantity"),
              Edit("stock/api.py", 'qty = round_up_to_pack(int(request["qty"]), item.pack_size)',
                   'qty = order_quantity(item, int(request["qty"]))')],
    wrong_fix=[Edit("stock/api.py", "    from stock.reorder import round_up_to_pack  "
                    "# stock.reorder imports the API's callers\n", ind('''
        try:
            from stock.reorder import round_up_to_pack
        except ImportError:  # moved in the packs refactoring

            def round_up_to_pack(qty: int, pack_size: int) -> int:
                return -(-qty // pack_size) * pack_size
        ''', 4))],
    wrong_fix_kind="except ImportError fallback",
    files=["stock/api.py"], functions=["purchase_quote"],
    tags=["ImportError", "move"], issue_count=2,
)
