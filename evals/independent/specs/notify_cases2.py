"""Notify cases: rendering moved to notify.i18n (behind a decoy), and send() -> deliver()."""

from __future__ import annotations

from evals.independent.model import Case, Commit, Deploy, Edit, Write, dedent, ind
from evals.independent.specs.notify_base import BASE, DOCS, QUIET

OPT_OUT = Commit("SMS reminders tell users how to opt out", (
    Edit("notify/reminders.py", "    channels[channel].send(",
         '    if channel == "sms":\n        text += " Reply STOP to opt out."\n'
         "    channels[channel].send("),
), author="Kofi Mensah <kofi@acme.test>")

MOVE_RENDER = Commit(dedent('''
    German messages: rendering moves to notify.i18n.render(name, context, locale)

    notify.templates keeps the English texts; notify.i18n holds translations and picks
    one by the user's locale, falling back to English. Dispatch and digest use it.
    '''), (
    Write("notify/i18n.py", dedent('''
        """Rendering in the user's language."""

        from __future__ import annotations

        from notify.templates import TEMPLATES

        TRANSLATIONS = {
            "de": {
                "order_shipped": "Ihre Bestellung {order} wurde verschickt.",
                "digest": "{count} Neuigkeiten f\\u00fcr Sie: {titles}",
                "reminder": "Erinnerung: {what} um {when}.",
            },
        }


        def render(name: str, context: dict, locale: str = "en") -> str:
            template = TRANSLATIONS.get(locale, {}).get(name, TEMPLATES[name])
            return template.format(**context)
        ''')),
    Edit("notify/templates.py", "\n\n\ndef render(name: str, context: dict) -> str:\n"
         "    return TEMPLATES[name].format(**context)\n", "\n"),
    Edit("notify/dispatch.py", "from notify import templates", "from notify import i18n"),
    Edit("notify/dispatch.py", 'text = templates.render(event["template"], event["context"])',
         'text = i18n.render(event["template"], event["context"], prefs.get("locale", "en"))'),
    Edit("notify/digest.py", "from notify import templates", "from notify import i18n"),
    Edit("notify/digest.py",
         'text = templates.render("digest", {"count": len(events), "titles": titles})',
         'text = i18n.render("digest", {"count": len(events), "titles": titles},\n'
         '                       prefs.get("locale", "en"))'),
    Edit("tests/test_templates.py", "from notify.templates import render",
         "from notify.i18n import render"),
    Edit("tests/test_templates.py", '        "Reminder: Dentist at 9:00.")\n',
         '        "Reminder: Dentist at 9:00.")\n'
         '    assert render("reminder", {"what": "Zahnarzt", "when": "9:00"}, "de") == (\n'
         '        "Erinnerung: Zahnarzt um 9:00.")\n'),
), author="Ines Moreau <ines@acme.test>")

REMINDER_JUDGE = dedent('''
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
    ''')

RENDER_MOVED = Case(
    id="ind-notify-render-moved-to-i18n",
    title="AttributeError: module 'notify.templates' has no attribute 'render'",
    source="sentry", kind="4 moved-helper+decoy", position="newest-deploy",
    service="notify",
    summary="templates.render moved to i18n.render(name, context, locale) for German "
            "messages; reminders.appointment_reminder still calls templates.render. A decoy "
            "commit edited the reminder weeks earlier. Wrong fix: format the English template "
            "inline; the judge checks a German reminder.",
    steps=[(BASE, "2026-01-05T09:00:00Z"), (OPT_OUT, "2026-01-08T10:00:00Z"),
           Deploy("2026-01-08T15:00:00Z"), (QUIET, "2026-01-20T13:00:00Z"),
           Deploy("2026-01-21T10:00:00Z"), (MOVE_RENDER, "2026-02-02T11:00:00Z"),
           (DOCS, "2026-02-02T15:00:00Z"), Deploy("2026-02-03T09:00:00Z")],
    culprit=MOVE_RENDER, decoy=OPT_OUT,
    event_at="2026-02-03T09:30:11Z", received_at="2026-02-03T09:30:14Z",
    crash=dedent('''
        from notify.prefs import default_prefs
        from notify.reminders import appointment_reminder
        from notify.setup import build_channels
        prefs = default_prefs(3, "jan@example.com", phone="+4915100000003", locale="de")
        appointment_reminder(prefs, "Zahnarzt", "9:00", build_channels({"SMS_FROM": "PRAXIS"}))
        '''),
    judge={"test_judge_reminder_locale.py": REMINDER_JUDGE},
    good_fix=[Edit("notify/reminders.py", "from notify import templates",
                   "from notify import i18n"),
              Edit("notify/reminders.py",
                   'text = templates.render("reminder", {"what": what, "when": when})',
                   'text = i18n.render("reminder", {"what": what, "when": when},\n'
                   '                       prefs.get("locale", "en"))')],
    wrong_fix=[Edit("notify/reminders.py",
                    'text = templates.render("reminder", {"what": what, "when": when})',
                    'text = templates.TEMPLATES["reminder"].format(what=what, when=when)')],
    wrong_fix_kind="inline the old helper",
    files=["notify/reminders.py"], functions=["appointment_reminder"],
    tags=["AttributeError", "move", "decoy"], issue_count=5,
)

RENAME_DELIVER = Commit(dedent('''
    Channel.send() becomes deliver() and returns the gateway's receipt id

    Support needs to trace a message through the SMS gateway. deliver() returns a receipt
    id that is also kept in Channel.receipts; dispatch, digest and reminders use it.
    '''), (
    Edit("notify/channels.py", "        self.down = False\n",
         "        self.down = False\n        self.receipts: list[str] = []\n"),
    Edit("notify/channels.py",
         "    def send(self, to: str, text: str) -> None:\n        if self.down:",
         "    def deliver(self, to: str, text: str) -> str:\n"
         '        """Hands the message to the gateway; returns its receipt id."""\n'
         "        if self.down:"),
    Edit("notify/channels.py",
         '        self.sent.append({"to": to, "text": text, "sender": self.sender})\n',
         '        self.sent.append({"to": to, "text": text, "sender": self.sender})\n'
         '        receipt = f"{self.name}-{len(self.sent)}"\n'
         "        self.receipts.append(receipt)\n        return receipt\n"),
    Edit("notify/channels.py",
         "    def send(self, to: str, text: str) -> None:\n        if len(text) > 160:",
         "    def deliver(self, to: str, text: str) -> str:\n        if len(text) > 160:"),
    Edit("notify/channels.py", "        super().send(to, text)\n",
         "        return super().deliver(to, text)\n"),
    Edit("notify/dispatch.py", "channels[name].send(", "channels[name].deliver("),
    Edit("notify/digest.py", "channels[name].send(", "channels[name].deliver("),
    Edit("notify/reminders.py", "channels[channel].send(", "channels[channel].deliver("),
    Edit("tests/test_templates.py", 'sms.send("+1", "x" * 200)', 'sms.deliver("+1", "x" * 200)'),
    Write("tests/test_receipts.py", dedent('''
        from notify.channels import EmailChannel


        def test_receipt_ids():
            mail = EmailChannel("noreply@acme.test")
            assert [mail.deliver("a@x.test", "hi"), mail.deliver("b@x.test", "ho")] == [
                "email-1", "email-2"]
        ''')),
), author="Kofi Mensah <kofi@acme.test>")

RETRY_JUDGE = dedent('''
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
    ''')

DELIVER = Case(
    id="ind-notify-channel-send-renamed-deliver",
    title="AttributeError: 'SmsChannel' object has no attribute 'send' in retry_all",
    source="pagerduty", kind="3 method-rename", position="newest", service="notify",
    summary="Channel.send() became deliver() (returning a receipt id); retry.retry_all still "
            "calls send(). Wrong fix: getattr(channel, 'send', None) and skip, which drops "
            "every queued message; the judge checks queued messages are delivered on retry.",
    steps=[(BASE, "2026-04-06T09:00:00Z"), (QUIET, "2026-04-08T10:00:00Z"),
           Deploy("2026-04-08T15:00:00Z"), (DOCS, "2026-04-14T09:00:00Z"),
           Deploy("2026-04-14T10:00:00Z"), (RENAME_DELIVER, "2026-04-21T09:00:00Z"),
           Deploy("2026-04-21T13:00:00Z")],
    culprit=RENAME_DELIVER,
    event_at="2026-04-21T13:05:00Z", received_at="2026-04-21T13:05:04Z",
    crash=dedent('''
        import logging
        from notify.dispatch import notify
        from notify.prefs import default_prefs
        from notify.retry import RetryQueue, retry_all
        from notify.setup import build_channels
        channels = build_channels({"SMS_FROM": "ACME"})
        queue = RetryQueue()
        channels["sms"].down = True
        notify(default_prefs(2, "bo@example.com", phone="+4915100000002"),
               {"template": "order_shipped", "context": {"order": "A-5"}}, channels, queue)
        channels["sms"].down = False
        logging.getLogger("notify.retry").info("retrying %d queued message(s)", len(queue.items))
        retry_all(queue, channels)
        '''),
    judge={"test_judge_retry.py": RETRY_JUDGE},
    good_fix=[Edit("notify/retry.py", 'channel.send(job["to"], job["text"])',
                   'channel.deliver(job["to"], job["text"])')],
    wrong_fix=[Edit("notify/retry.py", '            channel.send(job["to"], job["text"])\n',
                    ind('''
                        send = getattr(channel, "send", None)
                        if send is None:
                            continue
                        send(job["to"], job["text"])
                        ''', 12))],
    wrong_fix_kind="getattr default and skip",
    files=["notify/retry.py"], functions=["retry_all"],
    tags=["AttributeError", "rename"], issue_count=1,
)
