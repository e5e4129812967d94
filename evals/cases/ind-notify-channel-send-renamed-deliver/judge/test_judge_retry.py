from notify.dispatch import notify
from notify.prefs import default_prefs
from notify.retry import RetryQueue, retry_all
from notify.setup import build_channels

SHIPPED = {"template": "order_shipped", "context": {"order": "A-5"}}


def test_queued_sms_is_delivered_on_retry():
    channels = build_channels({"SMS_FROM": "ACME"})
    queue = RetryQueue()
    channels["sms"].down = True
    notify(default_prefs(2, "bo@example.com", phone="+4915100000002"), SHIPPED, channels,
           queue)
    channels["sms"].down = False
    assert retry_all(queue, channels) == {"delivered": 1, "gave_up": 0, "pending": 0}
    assert channels["sms"].sent[0]["to"] == "+4915100000002"
    assert channels["sms"].receipts == ["sms-1"]


def test_still_down_stays_queued_then_gives_up():
    channels = build_channels({"SMS_FROM": "ACME"})
    queue = RetryQueue()
    queue.push("sms", "+4915100000002", "hi")
    channels["sms"].down = True
    assert retry_all(queue, channels)["pending"] == 1
    retry_all(queue, channels)
    assert retry_all(queue, channels) == {"delivered": 0, "gave_up": 1, "pending": 0}
