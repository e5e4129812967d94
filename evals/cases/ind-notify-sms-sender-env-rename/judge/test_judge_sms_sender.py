from notify.config import load
from notify.dispatch import notify
from notify.prefs import default_prefs
from notify.setup import build_channels


def test_sms_sender_comes_from_the_environment():
    channels = build_channels({"NOTIFY_SMS_SENDER": "ACMESHOP"})
    prefs = default_prefs(1, "ana@example.com", phone="+4915112345678")
    notify(prefs, {"template": "order_shipped", "context": {"order": "A-7"}}, channels)
    assert channels["sms"].sent[0]["sender"] == "ACMESHOP"


def test_region_setting():
    assert load({"NOTIFY_SMS_REGION": "US"})["sms_region"] == "us"
