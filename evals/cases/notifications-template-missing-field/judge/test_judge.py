from notifications.templates import render


def test_guest_without_name():
    text = render("order_shipped", {"order": "SO-88412", "email": "guest-7c1@example.com"})
    assert text == "Hi there, your order SO-88412 is on its way (arrives in 2-3 days)."


def test_first_name_and_sms():
    text = render("order_shipped", {"name": "Ana Duarte", "order": "SO-1"})
    assert text.startswith("Hi Ana, your order SO-1")
    assert render("sms_order_shipped", {"order": "SO-1"}) == "Order SO-1 shipped"
    assert render("password_reset", {"link": "https://x"}) == "Hi there, reset your password here: https://x"
