from billing.dunning import run, smtp_settings


def test_legacy_variables_still_work(monkeypatch):
    monkeypatch.delenv("BILLING_SMTP_HOST", raising=False)
    monkeypatch.delenv("BILLING_SMTP_PORT", raising=False)
    monkeypatch.setenv("SMTP_HOST", "smtp-relay.internal")
    monkeypatch.setenv("SMTP_PORT", "2525")
    assert smtp_settings() == {"host": "smtp-relay.internal", "port": 2525}
    assert run() == ["INV-1"]


def test_namespaced_variables_win(monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "old")
    monkeypatch.setenv("BILLING_SMTP_HOST", "new")
    monkeypatch.delenv("BILLING_SMTP_PORT", raising=False)
    monkeypatch.delenv("SMTP_PORT", raising=False)
    assert smtp_settings() == {"host": "new", "port": 587}
