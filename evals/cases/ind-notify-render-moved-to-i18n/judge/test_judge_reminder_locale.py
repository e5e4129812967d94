from notify.dispatch import notify
from notify.prefs import default_prefs
from notify.reminders import appointment_reminder
from notify.setup import build_channels


def test_german_sms_reminder():
    channels = build_channels({"SMS_FROM": "PRAXIS"})
    prefs = default_prefs(3, "jan@example.com", phone="+4915100000003", locale="de")
    text = appointment_reminder(prefs, "Zahnarzt", "9:00", channels)
    assert text == "Erinnerung: Zahnarzt um 9:00. Reply STOP to opt out."
    assert channels["sms"].sent[0]["to"] == "+4915100000003"


def test_english_mail_reminder():
    channels = build_channels({"SMS_FROM": "PRAXIS"})
    text = appointment_reminder(default_prefs(4, "kim@example.com"), "Dentist", "9:00",
                                channels)
    assert text == "Reminder: Dentist at 9:00."


def test_german_event():
    channels = build_channels({"SMS_FROM": "PRAXIS"})
    prefs = default_prefs(3, "jan@example.com", locale="de")
    notify(prefs, {"template": "order_shipped", "context": {"order": "A-9"}}, channels)
    assert channels["email"].sent[0]["text"] == "Ihre Bestellung A-9 wurde verschickt."
