"""Notify cases: a renamed preferences key and a renamed environment variable (CI)."""

from __future__ import annotations

from evals.independent.model import Case, Commit, Deploy, Edit, Write, dedent, ind
from evals.independent.specs.notify_base import BASE, CI, DOCS, QUIET

RENAME_CHANNELS = Commit(dedent('''
    Preferences: "channels" becomes "enabled_channels"; users can mute templates

    Users asked to stop shipping SMS without losing reminders. prefs["muted"] lists
    templates not to send; the channel list is "enabled_channels" to tell it apart from
    the channels a worker has configured.
    '''), (
    Edit("notify/prefs.py", '"channels": channels}', '"enabled_channels": channels, "muted": []}'),
    Edit("notify/dispatch.py", ind('''
        used = []
        for name in prefs["channels"]:
        ''', 4), ind('''
        used: list[str] = []
        if event["template"] in prefs.get("muted", []):
            return used
        for name in prefs["enabled_channels"]:
        ''', 4)),
    Write("tests/test_mute.py", dedent('''
        from notify.dispatch import notify
        from notify.prefs import default_prefs
        from notify.setup import build_channels


        def test_muted_template_is_not_sent():
            prefs = default_prefs(1, "ana@example.com")
            prefs["muted"].append("order_shipped")
            channels = build_channels({"SMS_FROM": "ACME"})
            event = {"template": "order_shipped", "context": {"order": "A-1"}}
            assert notify(prefs, event, channels) == []
            assert channels["email"].sent == []
        ''')),
), author="Kofi Mensah <kofi@acme.test>")

CHANNELS_JUDGE = dedent('''
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
    ''')

CHANNELS_KEY = Case(
    id="ind-notify-prefs-channels-key-rename",
    title="KeyError: 'channels' in build_digest",
    source="sentry", kind="1 dict-key-rename", position="older-deploy", service="notify",
    summary="prefs['channels'] became prefs['enabled_channels'] (plus muted templates); "
            "digest.build_digest still reads prefs['channels']. Wrong fix: "
            "prefs.get('channels', []) sends no digest at all; the judge checks the digest "
            "reaches the enabled channels.",
    steps=[(BASE, "2026-02-02T09:00:00Z"), (QUIET, "2026-02-04T10:00:00Z"),
           Deploy("2026-02-04T15:00:00Z"), (RENAME_CHANNELS, "2026-02-10T10:00:00Z"),
           Deploy("2026-02-10T14:00:00Z"), (DOCS, "2026-02-11T11:30:00Z"),
           (CI, "2026-02-12T09:15:00Z"), Deploy("2026-02-12T16:00:00Z")],
    culprit=RENAME_CHANNELS,
    first_error_at="2026-02-11T07:00:04Z",
    event_at="2026-02-13T07:00:05Z", received_at="2026-02-13T07:00:08Z",
    crash=dedent('''
        from notify.digest import build_digest
        from notify.prefs import default_prefs
        from notify.setup import build_channels
        prefs = default_prefs(5, "mia@example.com", phone="+4915100000005")
        build_digest(prefs, [{"title": "Order shipped"}, {"title": "Invoice ready"}],
                     build_channels({"SMS_FROM": "ACME"}))
        '''),
    judge={"test_judge_digest.py": CHANNELS_JUDGE},
    good_fix=[Edit("notify/digest.py", 'for name in prefs["channels"]:',
                   'for name in prefs["enabled_channels"]:')],
    wrong_fix=[Edit("notify/digest.py", 'for name in prefs["channels"]:',
                    'for name in prefs.get("channels", []):')],
    wrong_fix_kind="dict.get default",
    files=["notify/digest.py"], functions=["build_digest"],
    tags=["KeyError", "rename"], issue_count=3120,
)

RENAME_SMS_ENV = Commit(dedent('''
    Rename SMS_FROM to NOTIFY_SMS_SENDER; add NOTIFY_SMS_REGION

    All our variables carry the NOTIFY_ prefix now; the SMS gateway needs a region
    ("eu" or "us") for sender registration.
    '''), (
    Edit("notify/config.py", '"sms_from": env.get("SMS_FROM", "ACME"),',
         '"sms_sender": env.get("NOTIFY_SMS_SENDER", "ACME"),\n'
         '        "sms_region": env.get("NOTIFY_SMS_REGION", "eu").lower(),'),
    Edit("README.md", "`SMS_FROM`,", "`NOTIFY_SMS_SENDER`, `NOTIFY_SMS_REGION`,"),
    Edit("tests/test_dispatch.py", 'ENV = {"SMS_FROM": "ACME"}',
         'ENV = {"NOTIFY_SMS_SENDER": "ACME", "NOTIFY_SMS_REGION": "eu"}'),
    Write("deploy/production.env", "NOTIFY_EMAIL_FROM=noreply@acme.test\n"
          "NOTIFY_SMS_SENDER=ACMESHOP\nNOTIFY_SMS_REGION=eu\n"),
    Write("tests/test_config.py", dedent('''
        from notify.config import load


        def test_sms_settings():
            cfg = load({"NOTIFY_SMS_SENDER": "ACMESHOP", "NOTIFY_SMS_REGION": "US"})
            assert (cfg["sms_sender"], cfg["sms_region"]) == ("ACMESHOP", "us")
        ''')),
), author="Ines Moreau <ines@acme.test>")

SMS_JUDGE = dedent('''
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
    ''')

SMS_ENV = Case(
    id="ind-notify-sms-sender-env-rename",
    title="CI red on main: KeyError 'SMS_FROM' in build_channels",
    source="ci", kind="2 env-rename", position="newest", service="notify",
    summary="SMS_FROM was renamed NOTIFY_SMS_SENDER (config, README, deploy env, tests) but "
            "setup.build_channels still reads env['SMS_FROM'], so the dispatch tests fail. "
            "Wrong fix: env.get('SMS_FROM', 'ACME') sends with a default sender; the judge "
            "checks the configured sender.",
    steps=[(BASE, "2026-03-09T09:00:00Z"), (QUIET, "2026-03-10T10:00:00Z"),
           Deploy("2026-03-10T15:00:00Z"), (DOCS, "2026-03-16T09:00:00Z"),
           Deploy("2026-03-16T11:00:00Z"), (RENAME_SMS_ENV, "2026-03-23T10:40:00Z")],
    culprit=RENAME_SMS_ENV,
    event_at="2026-03-23T10:42:50Z", received_at="2026-03-23T10:42:52Z",
    judge={"test_judge_sms_sender.py": SMS_JUDGE},
    good_fix=[Edit("notify/setup.py", 'SmsChannel(env["SMS_FROM"])',
                   'SmsChannel(env.get("NOTIFY_SMS_SENDER", "ACME"))')],
    wrong_fix=[Edit("notify/setup.py", 'SmsChannel(env["SMS_FROM"])',
                    'SmsChannel(env.get("SMS_FROM", "ACME"))')],
    wrong_fix_kind="environ.get default",
    files=["notify/setup.py"], functions=["build_channels"],
    tags=["KeyError", "config", "ci", "rename"],
)
