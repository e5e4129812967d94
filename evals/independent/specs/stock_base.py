"""The `stock` warehouse service: base tree and unrelated commits any stock case may use."""

from __future__ import annotations

from evals.independent.model import Commit, Write, dedent
from evals.independent.specs.shop_base import PYPROJECT

MODELS = dedent('''
    """Stock items."""

    from __future__ import annotations

    from dataclasses import dataclass


    @dataclass
    class Item:
        sku: str
        name: str
        qty: int = 0
        reorder_point: int = 5
        pack_size: int = 1
        supplier: str = "default"

        def needs_reorder(self) -> bool:
            return self.qty <= self.reorder_point
    ''')

WAREHOUSE = dedent('''
    """One warehouse's stock."""

    from __future__ import annotations

    from stock.models import Item


    class UnknownSku(LookupError):
        """No item with that SKU."""


    class Warehouse:
        def __init__(self, items: tuple[Item, ...] = ()) -> None:
            self._items = {item.sku: item for item in items}

        def add(self, item: Item) -> Item:
            self._items[item.sku] = item
            return item

        def find(self, sku: str) -> Item:
            try:
                return self._items[sku]
            except KeyError:
                raise UnknownSku(sku) from None

        def items(self) -> list[Item]:
            return sorted(self._items.values(), key=lambda item: item.sku)

        def available(self, sku: str) -> int:
            return self.find(sku).qty

        def receive(self, sku: str, qty: int) -> Item:
            item = self.find(sku)
            item.qty += qty
            return item

        def pick(self, sku: str, qty: int) -> Item:
            if qty > self.available(sku):
                raise ValueError(f"only {self.available(sku)} of {sku} available")
            item = self.find(sku)
            item.qty -= qty
            return item
    ''')

REORDER = dedent('''
    """Purchase suggestions for the buyers."""

    from __future__ import annotations

    from stock.models import Item


    def round_up_to_pack(qty: int, pack_size: int) -> int:
        return -(-qty // pack_size) * pack_size


    def suggest(items: list[Item]) -> list[dict]:
        """Items at or below their reorder point, topped up to twice that point."""
        out = []
        for item in items:
            if item.needs_reorder():
                wanted = item.reorder_point * 2 - item.qty
                out.append({"sku": item.sku, "order": round_up_to_pack(wanted, item.pack_size)})
        return out
    ''')

SYNC = dedent('''
    """Supplier delivery feeds: one "SKU;QTY" per line, '#' starts a comment."""

    from __future__ import annotations

    import logging

    from stock.warehouse import UnknownSku, Warehouse

    log = logging.getLogger("stock.sync")


    def parse_feed(text: str) -> list[tuple[str, int]]:
        rows = []
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                sku, qty = line.split(";")
                rows.append((sku.strip(), int(qty)))
        return rows


    def apply_delivery(warehouse: Warehouse, text: str) -> dict:
        """Books a delivery; lines for SKUs we do not stock go back to the supplier."""
        received, rejected = [], []
        for sku, qty in parse_feed(text):
            try:
                item = warehouse.find(sku)
            except UnknownSku:
                rejected.append(sku)
                continue
            item.qty += qty
            received.append(sku)
        log.info("delivery: %d received, %d rejected", len(received), len(rejected))
        return {"received": received, "rejected": rejected}
    ''')

API = dedent('''
    """Request handlers for the stock API."""

    from __future__ import annotations

    from stock.warehouse import UnknownSku, Warehouse


    def check_availability(warehouse: Warehouse, request: dict) -> dict:
        sku = request["sku"]
        try:
            available = warehouse.available(sku)
        except UnknownSku:
            return {"status": 404, "error": f"unknown sku {sku}"}
        return {"status": 200, "sku": sku, "available": available}


    def check_cart(warehouse: Warehouse, request: dict) -> dict:
        """Which lines of a cart cannot be fulfilled from stock right now."""
        short = []
        for line in request["lines"]:
            sku = line["sku"]
            try:
                available = warehouse.available(sku)
            except UnknownSku:
                available = 0
            if available < int(line["qty"]):
                short.append(sku)
        return {"status": 200, "ok": not short, "short": short}


    def purchase_quote(warehouse: Warehouse, request: dict) -> dict:
        """What a purchase order for `qty` units of `sku` would contain."""
        from stock.reorder import round_up_to_pack  # stock.reorder imports the API's callers

        try:
            item = warehouse.find(request["sku"])
        except UnknownSku:
            return {"status": 404, "error": f"unknown sku {request['sku']}"}
        qty = round_up_to_pack(int(request["qty"]), item.pack_size)
        return {"status": 200, "sku": item.sku, "qty": qty, "packs": qty // item.pack_size}
    ''')

TEST_WAREHOUSE = dedent('''
    import pytest

    from stock.api import check_availability
    from stock.models import Item
    from stock.warehouse import UnknownSku, Warehouse


    def warehouse():
        return Warehouse((Item("BOLT-8", "Bolt M8", qty=40), Item("NUT-8", "Nut M8", qty=3)))


    def test_receive_and_pick():
        wh = warehouse()
        wh.receive("NUT-8", 10)
        assert wh.pick("NUT-8", 5).qty == 8
        with pytest.raises(ValueError):
            wh.pick("BOLT-8", 41)


    def test_unknown_sku():
        with pytest.raises(UnknownSku):
            warehouse().receive("WASHER", 1)


    def test_availability_of_unknown_sku_is_404():
        assert check_availability(warehouse(), {"sku": "WASHER"})["status"] == 404
    ''')

TEST_REORDER = dedent('''
    from stock.models import Item
    from stock.reorder import round_up_to_pack, suggest


    def test_pack_rounding():
        assert [round_up_to_pack(q, 12) for q in (1, 12, 13)] == [12, 12, 24]


    def test_low_items_are_suggested():
        items = [Item("LOW", "Low", qty=1, reorder_point=5), Item("FULL", "Full", qty=50)]
        assert "LOW" in [s["sku"] for s in suggest(items)]
    ''')

TEST_SYNC = dedent('''
    from stock.sync import parse_feed


    def test_parse_feed_skips_comments():
        assert parse_feed("# delivery 7\\nBOLT-8;100\\n\\nNUT-8 ; 5  # partial\\n") == [
            ("BOLT-8", 100), ("NUT-8", 5)]
    ''')

BASE = Commit("Warehouse service: stock, deliveries, reorder suggestions, API", (
    Write("pyproject.toml", PYPROJECT.format(name="stock")),
    Write("README.md", "# stock\n\nWarehouse stock, supplier deliveries and reorder "
          "suggestions.\n"),
    Write("stock/__init__.py", '"""Warehouse service."""\n'),
    Write("stock/models.py", MODELS),
    Write("stock/warehouse.py", WAREHOUSE),
    Write("stock/reorder.py", REORDER),
    Write("stock/sync.py", SYNC),
    Write("stock/api.py", API),
    Write("tests/test_warehouse.py", TEST_WAREHOUSE),
    Write("tests/test_reorder.py", TEST_REORDER),
    Write("tests/test_sync.py", TEST_SYNC),
), author="Nora Lind <nora@acme.test>")

METRICS = Commit("Count API calls per handler", (
    Write("stock/metrics.py", dedent('''
        """In-process counters, scraped by the metrics sidecar."""

        from __future__ import annotations

        from collections import Counter

        CALLS: Counter[str] = Counter()


        def count(name: str) -> None:
            CALLS[name] += 1


        def snapshot() -> dict[str, int]:
            return dict(sorted(CALLS.items()))
        ''')),
    Write("tests/test_metrics.py", dedent('''
        from stock.metrics import count, snapshot


        def test_counts():
            count("x")
            count("x")
            assert snapshot()["x"] >= 2
        ''')),
), author="Ravi Patel <ravi@acme.test>")

LABELS = Commit("Shelf labels as plain text for the label printer", (
    Write("stock/labels.py", dedent('''
        """Shelf labels."""

        from __future__ import annotations


        def label(sku: str, name: str, width: int = 24) -> str:
            return f"{sku:<{width}}\\n{name[:width]:<{width}}\\n"
        ''')),
), author="Ravi Patel <ravi@acme.test>")

DOCS = Commit("Docs: delivery feed format", (
    Write("docs/feeds.md", dedent('''
        # Delivery feeds

        Suppliers upload one `SKU;QTY` per line; `#` starts a comment. Lines for SKUs we do
        not stock are rejected and listed in the delivery report sent back to the supplier.
        ''')),
), author="Nora Lind <nora@acme.test>")
