from notify.digest import build_digest
from notify.dispatch import notify
from notify.prefs import default_prefs
from notify.setup import build_channels

EVENTS = [{"title": "Order shipped"}, {"title": "Invoice ready"}]


def test_digest_goes_to_the_enabled_channels():
    channels = build_channels({"SMS_FROM": "ACME"})
    prefs = default_prefs(5, "mia@example.com", phone="+4915100000005")
    text = build_digest(prefs, EVENTS, channels)
    assert text == "2 updates for you: Order shipped, Invoice ready"
    assert [m["to"] for m in channels["email"].sent] == ["mia@example.com"]
    assert [m["to"] for m in channels["sms"].sent] == ["+4915100000005"]


def test_digest_respects_a_channel_the_user_disabled():
    channels = build_channels({"SMS_FROM": "ACME"})
    prefs = default_prefs(6, "lu@example.com", phone="+4915100000006")
    prefs["enabled_channels"] = ["sms"]
    build_digest(prefs, EVENTS, channels)
    assert channels["email"].sent == [] and len(channels["sms"].sent) == 1


def test_mute():
    prefs = default_prefs(7, "x@example.com")
    prefs["muted"] = ["order_shipped"]
    event = {"template": "order_shipped", "context": {"order": "A-1"}}
    assert notify(prefs, event, build_channels({"SMS_FROM": "ACME"})) == []
