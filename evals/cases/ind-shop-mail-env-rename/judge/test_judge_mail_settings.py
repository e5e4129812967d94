from shop.config import load
from shop.service import ShopService


def test_shipping_mail_uses_the_mail_settings(monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.delenv("SMTP_PORT", raising=False)
    monkeypatch.setenv("MAIL_HOST", "smtp.acme.internal")
    monkeypatch.setenv("MAIL_PORT", "587")
    svc = ShopService()
    svc.register(41, "lena@example.com")
    order = svc.checkout(41, [{"sku": "MUG-1", "qty": 1, "unit_cents": 1250}])
    svc.ship(order["id"])
    sent = svc.outbox.sent[0]
    assert (sent["to"], sent["host"], sent["port"]) == (
        "lena@example.com", "smtp.acme.internal", 587)


def test_tls_setting():
    assert load({"MAIL_USE_TLS": "1"})["mail_tls"] is True
