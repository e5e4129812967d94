import json
from datetime import date

from reports.export import export, export_warehouse


def test_warehouse_export_uses_iso_dates():
    out = json.loads(export_warehouse([(101, 59.9, "EUR", date(2026, 11, 9))]))
    assert out == {"rows": [{"currency": "EUR", "id": 101, "placed_on": "2026-11-09", "total": 59.9}]}


def test_string_dates_still_work():
    out = json.loads(export([{"id": 1, "total": 9.5, "placed_on": "2026-11-02"}]))
    assert out["rows"][0]["placed_on"] == "2026-11-02"
