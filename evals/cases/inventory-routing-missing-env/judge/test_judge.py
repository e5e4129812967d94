from inventory.routing import route, warehouse_for


def test_unset_fallback_uses_default(monkeypatch):
    monkeypatch.delenv("WAREHOUSE_DEFAULT_REGION", raising=False)
    assert route({"id": "SO-7781", "country": "PT"}) == {"order": "SO-7781", "warehouse": "eu-west"}


def test_configured_fallback(monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DEFAULT_REGION", "eu-north")
    assert warehouse_for("PT") == "eu-north"
    assert warehouse_for("AT") == "eu-west"
