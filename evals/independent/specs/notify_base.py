"""The `notify` messaging service: base tree and unrelated commits any notify case may use."""

from __future__ import annotations

from evals.independent.model import Commit, Write, dedent
from evals.independent.specs.shop_base import PYPROJECT

CHANNELS = dedent('''
    """Delivery channels (the gateways are wrapped elsewhere; these record what was sent)."""

    from __future__ import annotations


    class Channel:
        name = "base"

        def __init__(self, sender: str) -> None:
            self.sender = sender
            self.sent: list[dict] = []
            self.down = False

        def send(self, to: str, text: str) -> None:
            if self.down:
                raise ConnectionError(f"{self.name} gateway unavailable")
            self.sent.append({"to": to, "text": text, "sender": self.sender})


    class EmailChannel(Channel):
        name = "email"


    class SmsChannel(Channel):
        name = "sms"

        def send(self, to: str, text: str) -> None:
            if len(text) > 160:
                text = text[:157] + "..."
            super().send(to, text)
    ''')

CONFIG = dedent('''
    """Settings from the environment."""

    from __future__ import annotations

    import os
    from collections.abc import Mapping


    def load(env: Mapping[str, str] | None = None) -> dict:
        env = os.environ if env is None else env
        return {
            "email_from": env.get("NOTIFY_EMAIL_FROM", "noreply@acme.test"),
            "sms_from": env.get("SMS_FROM", "ACME"),
            "digest_hour": int(env.get("NOTIFY_DIGEST_HOUR", "7")),
        }
    ''')

SETUP = dedent('''
    """Wiring: the channels a worker process sends through."""

    from __future__ import annotations

    import os
    from collections.abc import Mapping

    from notify.channels import Channel, EmailChannel, SmsChannel


    def build_channels(env: Mapping[str, str] | None = None) -> dict[str, Channel]:
        env = os.environ if env is None else env
        return {"email": EmailChannel(env.get("NOTIFY_EMAIL_FROM", "noreply@acme.test")),
                "sms": SmsChannel(env["SMS_FROM"])}
    ''')

TEMPLATES = dedent('''
    """Message templates."""

    from __future__ import annotations

    TEMPLATES = {
        "order_shipped": "Your order {order} has shipped.",
        "digest": "{count} updates for you: {titles}",
        "reminder": "Reminder: {what} at {when}.",
    }


    def render(name: str, context: dict) -> str:
        return TEMPLATES[name].format(**context)
    ''')

PREFS = dedent('''
    """Per-user notification preferences (stored as JSON documents)."""

    from __future__ import annotations


    def default_prefs(user_id: int, email: str, phone: str | None = None,
                      locale: str = "en") -> dict:
        channels = ["email"] + (["sms"] if phone else [])
        return {"user_id": user_id, "email": email, "phone": phone, "locale": locale,
                "channels": channels}


    def address_for(prefs: dict, channel: str) -> str:
        return prefs["email"] if channel == "email" else prefs["phone"]
    ''')

DISPATCH = dedent('''
    """Sending one event to one user."""

    from __future__ import annotations

    from notify import templates
    from notify.channels import Channel
    from notify.prefs import address_for
    from notify.retry import RetryQueue


    def notify(prefs: dict, event: dict, channels: dict[str, Channel],
               queue: RetryQueue | None = None) -> list[str]:
        """Sends `event` on each of the user's channels; returns the channels used."""
        text = templates.render(event["template"], event["context"])
        used = []
        for name in prefs["channels"]:
            try:
                channels[name].send(address_for(prefs, name), text)
            except ConnectionError:
                if queue is None:
                    raise
                queue.push(name, address_for(prefs, name), text)
            used.append(name)
        return used
    ''')

DIGEST = dedent('''
    """The morning digest."""

    from __future__ import annotations

    from notify import templates
    from notify.channels import Channel
    from notify.prefs import address_for


    def build_digest(prefs: dict, events: list[dict], channels: dict[str, Channel]) -> str | None:
        """One message summing up `events`; SMS only when the list is short."""
        if not events:
            return None
        titles = ", ".join(event["title"] for event in events)
        text = templates.render("digest", {"count": len(events), "titles": titles})
        for name in prefs["channels"]:
            if name == "sms" and len(events) > 5:
                continue
            channels[name].send(address_for(prefs, name), text)
        return text
    ''')

REMINDERS = dedent('''
    """Appointment reminders."""

    from __future__ import annotations

    from notify import templates
    from notify.channels import Channel
    from notify.prefs import address_for


    def appointment_reminder(prefs: dict, what: str, when: str,
                             channels: dict[str, Channel]) -> str:
        """By SMS when the user gave a phone number, else by e-mail."""
        channel = "sms" if prefs.get("phone") else "email"
        text = templates.render("reminder", {"what": what, "when": when})
        channels[channel].send(address_for(prefs, channel), text)
        return text
    ''')

RETRY = dedent('''
    """Messages whose gateway was down, tried again by the retry worker."""

    from __future__ import annotations

    from notify.channels import Channel


    class RetryQueue:
        def __init__(self) -> None:
            self.items: list[dict] = []

        def push(self, channel: str, to: str, text: str) -> None:
            self.items.append({"channel": channel, "to": to, "text": text, "attempts": 0})


    def retry_all(queue: RetryQueue, channels: dict[str, Channel], max_attempts: int = 3) -> dict:
        delivered = gave_up = 0
        pending, queue.items = queue.items, []
        for job in pending:
            channel = channels[job["channel"]]
            try:
                channel.send(job["to"], job["text"])
                delivered += 1
            except ConnectionError:
                job["attempts"] += 1
                if job["attempts"] >= max_attempts:
                    gave_up += 1
                else:
                    queue.items.append(job)
        return {"delivered": delivered, "gave_up": gave_up, "pending": len(queue.items)}
    ''')

TEST_DISPATCH = dedent('''
    import pytest

    from notify.dispatch import notify
    from notify.prefs import default_prefs
    from notify.retry import RetryQueue
    from notify.setup import build_channels

    ENV = {"SMS_FROM": "ACME"}
    SHIPPED = {"template": "order_shipped", "context": {"order": "A-1001"}}


    def test_event_goes_to_every_channel():
        channels = build_channels(ENV)
        prefs = default_prefs(1, "ana@example.com", phone="+4915112345678")
        assert notify(prefs, SHIPPED, channels) == ["email", "sms"]
        assert channels["sms"].sent[0]["text"] == "Your order A-1001 has shipped."


    def test_gateway_down_queues_the_message():
        channels = build_channels(ENV)
        channels["email"].down = True
        queue = RetryQueue()
        notify(default_prefs(1, "ana@example.com"), SHIPPED, channels, queue)
        assert [job["to"] for job in queue.items] == ["ana@example.com"]
        with pytest.raises(ConnectionError):
            notify(default_prefs(1, "ana@example.com"), SHIPPED, channels)
    ''')

TEST_TEMPLATES = dedent('''
    from notify.channels import SmsChannel
    from notify.templates import render


    def test_render():
        assert render("reminder", {"what": "Dentist", "when": "9:00"}) == (
            "Reminder: Dentist at 9:00.")


    def test_long_sms_is_cut():
        sms = SmsChannel("ACME")
        sms.send("+1", "x" * 200)
        assert len(sms.sent[0]["text"]) == 160
    ''')

README = dedent('''
    # notify

    Notifications by e-mail and SMS: events, the morning digest, appointment reminders and
    retries when a gateway is down.

    Settings: `NOTIFY_EMAIL_FROM`, `SMS_FROM`, `NOTIFY_DIGEST_HOUR`.
    ''')

BASE = Commit("Notification service: channels, templates, digest, reminders, retries", (
    Write("pyproject.toml", PYPROJECT.format(name="notify")),
    Write("README.md", README),
    Write("notify/__init__.py", '"""Notification service."""\n'),
    Write("notify/channels.py", CHANNELS),
    Write("notify/config.py", CONFIG),
    Write("notify/setup.py", SETUP),
    Write("notify/templates.py", TEMPLATES),
    Write("notify/prefs.py", PREFS),
    Write("notify/dispatch.py", DISPATCH),
    Write("notify/digest.py", DIGEST),
    Write("notify/reminders.py", REMINDERS),
    Write("notify/retry.py", RETRY),
    Write("tests/test_dispatch.py", TEST_DISPATCH),
    Write("tests/test_templates.py", TEST_TEMPLATES),
), author="Ines Moreau <ines@acme.test>")

QUIET = Commit("Quiet hours helper for the scheduler", (
    Write("notify/quiet.py", dedent('''
        """Quiet hours: no SMS between `start` and `end` (local hours, may wrap midnight)."""

        from __future__ import annotations


        def is_quiet(hour: int, start: int = 22, end: int = 7) -> bool:
            if start <= end:
                return start <= hour < end
            return hour >= start or hour < end
        ''')),
    Write("tests/test_quiet.py", dedent('''
        from notify.quiet import is_quiet


        def test_wraps_midnight():
            assert [is_quiet(h) for h in (21, 22, 3, 7)] == [False, True, True, False]
        ''')),
), author="Kofi Mensah <kofi@acme.test>")

DOCS = Commit("Docs: what each template is for", (
    Write("docs/templates.md", dedent('''
        # Templates

        - `order_shipped`: sent by the shop when a parcel leaves the warehouse.
        - `digest`: the morning summary, one per user.
        - `reminder`: appointment reminders, SMS first.
        ''')),
), author="Ines Moreau <ines@acme.test>")

CI = Commit("CI: run pytest on push", (
    Write(".github/workflows/tests.yml", dedent('''
        name: tests
        on: [push]
        jobs:
          tests:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-python@v5
                with:
                  python-version: "3.11"
              - run: pip install pytest && python -m pytest -q
        ''')),
), author="Kofi Mensah <kofi@acme.test>")
