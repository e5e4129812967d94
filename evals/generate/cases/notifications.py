"""Notifications: message templates, digests, SMS provider retries and quiet hours."""

# Spec modules embed the services' source text verbatim; its lines may run long.
# ruff: noqa: E501

from __future__ import annotations

from evals.generate.spec import Case, Commit, Crash, Edit, pad, src

INIT = src('"""Notification service."""')

TEMPLATES_V1 = src('''
    """Message templates."""

    TEMPLATES = {
        "order_shipped": "Hi {name}, your order {order} is on its way.",
        "password_reset": "Hi {name}, reset your password here: {link}",
    }


    def render(template, context):
        ctx = {"name": context.get("name") or "there", **context}
        ctx["name"] = ctx["name"] or "there"
        return TEMPLATES[template].format(**ctx)
''')

template_keyerror = Case(
    id="notifications-template-missing-field",
    title="KeyError: 'first_name' rendering the order_shipped template",
    source="sentry",
    service="notifications",
    start="2026-11-02T08:00:00",
    commits=[
        Commit(
            "Message templates",
            "dora",
            files={
                "notifications/__init__.py": INIT,
                "notifications/templates.py": TEMPLATES_V1,
                "tests/test_templates.py": src('''
                    from notifications.templates import render


                    def test_shipped():
                        text = render("order_shipped", {"name": "Ana", "order": "SO-1"})
                        assert text == "Hi Ana, your order SO-1 is on its way."


                    def test_anonymous():
                        assert render("order_shipped", {"order": "SO-2"}).startswith("Hi there,")
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Templates: delivery window in the shipped message",
            "ana",
            edits=[
                Edit(
                    "notifications/templates.py",
                    '"Hi {name}, your order {order} is on its way."',
                    '"Hi {name}, your order {order} is on its way"\n'
                    '    " (arrives {window})."',
                ),
                Edit(
                    "notifications/templates.py",
                    '    ctx = {"name": context.get("name") or "there", **context}\n',
                    '    ctx = {"name": context.get("name") or "there", "window": "in 2-3 days", **context}\n',
                ),
                Edit("tests/test_templates.py", 'is on its way."', 'is on its way (arrives in 2-3 days)."'),
            ],
            deploy="production",
            hours=24,
        ),
        Commit(
            "Templates: personal greeting and SMS templates\n\n"
            "Greet customers by first name, and add short SMS variants for marketing.",
            "eli",
            edits=[
                Edit("notifications/templates.py", '"Hi {name}, your order', '"Hi {first_name}, your order'),
                Edit(
                    "notifications/templates.py",
                    '    "password_reset": "Hi {name}, reset your password here: {link}",\n',
                    '    "password_reset": "Hi {name}, reset your password here: {link}",\n'
                    '    "sms_order_shipped": "Order {order} shipped",\n'
                    '    "sms_code": "Your code is {code}",\n',
                ),
                Edit(
                    "notifications/templates.py",
                    '    ctx["name"] = ctx["name"] or "there"\n',
                    '    ctx["name"] = ctx["name"] or "there"\n'
                    '    if context.get("name"):\n'
                    '        ctx["first_name"] = context["name"].split()[0]\n',
                ),
                Edit(
                    "tests/test_templates.py",
                    '"order_shipped", {"name": "Ana", "order": "SO-1"}',
                    '"order_shipped", {"name": "Ana Duarte", "order": "SO-1"}',
                ),
                Edit(
                    "tests/test_templates.py",
                    "\n\ndef test_anonymous():\n"
                    '    assert render("order_shipped", {"order": "SO-2"}).startswith("Hi there,")\n',
                    "\n\ndef test_sms():\n"
                    '    assert render("sms_code", {"code": "4711"}) == "Your code is 4711"\n',
                ),
            ],
            deploy="production",
            hours=29,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="notifications.templates:render",
        args='"order_shipped", {"order": "SO-88412", "email": "guest-7c1@example.com"}',
        tags={"transaction": "task notifications.send_order_shipped"},
    ),
    files=["notifications/templates.py"],
    functions=["render"],
    judge=src('''
        from notifications.templates import render


        def test_guest_without_name():
            text = render("order_shipped", {"order": "SO-88412", "email": "guest-7c1@example.com"})
            assert text == "Hi there, your order SO-88412 is on its way (arrives in 2-3 days)."


        def test_first_name_and_sms():
            text = render("order_shipped", {"name": "Ana Duarte", "order": "SO-1"})
            assert text.startswith("Hi Ana, your order SO-1")
            assert render("sms_order_shipped", {"order": "SO-1"}) == "Order SO-1 shipped"
            assert render("password_reset", {"link": "https://x"}) == "Hi there, reset your password here: https://x"
    '''),
    fix=[
        Edit(
            "notifications/templates.py",
            '    if context.get("name"):\n'
            '        ctx["first_name"] = context["name"].split()[0]\n',
            '    ctx["first_name"] = ctx["name"].split()[0]\n',
        )
    ],
    tags=["KeyError", "missing-key", "regression", "feature-bundled"],
    feature_test=True,
)

DIGEST_V1 = src('''
    """Daily digest e-mails."""


    def subject(messages):
        return f"{len(messages)} new messages"


    def build_digest(user, messages):
        unread = [m for m in messages if not m.get("read")]
        return {"to": user, "subject": subject(unread), "count": len(unread)}
''')

digest_index = Case(
    id="notifications-digest-empty-index",
    title="IndexError: list index out of range building the daily digest subject",
    source="sentry",
    service="notifications",
    start="2026-11-03T07:00:00",
    commits=[
        Commit(
            "Daily digest",
            "fay",
            files={
                "notifications/__init__.py": INIT,
                "notifications/digest.py": DIGEST_V1,
                "tests/test_digest.py": src('''
                    from notifications.digest import build_digest


                    def test_digest():
                        msgs = [{"title": "Invoice ready"}, {"title": "Old", "read": True}]
                        assert build_digest("u@x", msgs)["count"] == 1
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Digest: put the newest title into the subject\n\n"
            "Open rates are higher when the subject says what is inside.",
            "gus",
            edits=[
                Edit(
                    "notifications/digest.py",
                    '    return f"{len(messages)} new messages"\n',
                    "    newest = messages[0][\"title\"]\n"
                    "    if len(messages) == 1:\n"
                    "        return newest\n"
                    '    return f"{newest} and {len(messages) - 1} more"\n',
                ),
                Edit(
                    "tests/test_digest.py",
                    '    assert build_digest("u@x", msgs)["count"] == 1\n',
                    '    out = build_digest("u@x", msgs)\n'
                    '    assert out["count"] == 1 and out["subject"] == "Invoice ready"\n',
                ),
            ],
            deploy="production",
            hours=26,
        ),
        Commit(
            "Digest: skip muted threads",
            "fay",
            edits=[
                Edit(
                    "notifications/digest.py",
                    '    unread = [m for m in messages if not m.get("read")]\n',
                    '    unread = [m for m in messages if not m.get("read") and not m.get("muted")]\n',
                )
            ],
            deploy="production",
            hours=24,
        ),
    ],
    culprit=1,
    crash=Crash(
        target="notifications.digest:build_digest",
        args='"dora@example.com", [{"title": "Weekly summary", "read": True}, {"title": "Ping", "muted": True}]',
        tags={"transaction": "task notifications.daily_digest"},
    ),
    files=["notifications/digest.py"],
    functions=["subject", "build_digest"],
    judge=src('''
        from notifications.digest import build_digest, subject


        def test_nothing_unread():
            out = build_digest("d@x", [{"title": "Weekly", "read": True}, {"title": "Ping", "muted": True}])
            assert out["count"] == 0
            assert subject([]) == "0 new messages"


        def test_subject_with_titles():
            assert subject([{"title": "A"}]) == "A"
            assert subject([{"title": "A"}, {"title": "B"}, {"title": "C"}]) == "A and 2 more"
    '''),
    fix=[
        Edit(
            "notifications/digest.py",
            "    newest = messages[0][\"title\"]\n",
            "    if not messages:\n"
            '        return "0 new messages"\n'
            "    newest = messages[0][\"title\"]\n",
        )
    ],
    tags=["IndexError", "bounds", "empty-collection", "regression"],
)

SMS_V1 = src('''
    """SMS sending through the provider's HTTP API, with retries."""

    import logging

    log = logging.getLogger("notifications.sms")


    def retry_delay(headers, attempt):
        """Seconds to wait before the next attempt."""
        return min(2 ** attempt, 60)


    def send_all(batch, provider):
        sent, delays = 0, []
        for msg in batch:
            for attempt in range(3):
                status, headers = provider(msg)
                if status == 200:
                    sent += 1
                    break
                delays.append(retry_delay(headers, attempt))
        log.info("sent %d/%d, waited %s", sent, len(batch), delays)
        return sent, delays


    def fake_provider(msg):
        # the provider started answering 429 with fractional Retry-After values
        if msg["attempts"]:
            msg["attempts"] -= 1
            return 429, {"Retry-After": "1.5"}
        return 200, {}


    def run():
        batch = [{"to": "+4917012345", "attempts": 1}, {"to": "+4917099999", "attempts": 0}]
        return send_all(batch, fake_provider)
''')

retry_after_parse = Case(
    id="notifications-sms-retry-after-parse",
    title="SMS worker crash loop: ValueError invalid literal for int() with base 10: '1.5'",
    source="pagerduty",
    service="notifications-sms",
    start="2026-11-04T09:00:00",
    commits=[
        Commit(
            "SMS sender with exponential backoff",
            "hana",
            files={
                "notifications/__init__.py": INIT,
                "notifications/sms.py": SMS_V1,
                "tests/test_sms.py": src('''
                    from notifications.sms import retry_delay, send_all


                    def test_backoff():
                        assert [retry_delay({}, a) for a in range(3)] == [1, 2, 4]


                    def test_send_all():
                        assert send_all([{"to": "1"}], lambda m: (200, {})) == (1, [])
                '''),
            },
            deploy="production",
        ),
        Commit(
            "SMS: honour the provider's Retry-After header",
            "chen",
            edits=[
                Edit(
                    "notifications/sms.py",
                    '    """Seconds to wait before the next attempt."""\n',
                    '    """Seconds to wait before the next attempt."""\n'
                    '    if "Retry-After" in headers:\n'
                    '        return int(headers["Retry-After"])\n',
                ),
                Edit(
                    "tests/test_sms.py",
                    "    assert [retry_delay({}, a) for a in range(3)] == [1, 2, 4]\n",
                    "    assert [retry_delay({}, a) for a in range(3)] == [1, 2, 4]\n"
                    '    assert retry_delay({"Retry-After": "7"}, 0) == 7\n',
                ),
            ],
            deploy="production",
            hours=27,
        ),
        Commit(
            "SMS: log delivery summary",
            "hana",
            edits=[
                Edit(
                    "notifications/sms.py",
                    "            delays.append(retry_delay(headers, attempt))\n",
                    '            log.debug("attempt %d for %s: %s", attempt, msg["to"], status)\n'
                    "            delays.append(retry_delay(headers, attempt))\n",
                )
            ],
            deploy="production",
            hours=23,
        ),
    ],
    culprit=1,
    crash=Crash(target="notifications.sms:run"),
    log_lines=[
        "INFO notifications.sms worker started, queue=sms.outbound",
        "WARNING notifications.sms provider answered 429 for +4917012345",
    ],
    files=["notifications/sms.py"],
    functions=["retry_delay"],
    judge=src('''
        from notifications.sms import retry_delay, run


        def test_fractional_retry_after():
            assert retry_delay({"Retry-After": "1.5"}, 0) == 1.5
            assert retry_delay({"Retry-After": "7"}, 2) == 7


        def test_backoff_and_run():
            assert retry_delay({}, 10) == 60
            sent, delays = run()
            assert sent == 2 and delays == [1.5]
    '''),
    fix=[
        Edit(
            "notifications/sms.py",
            '        return int(headers["Retry-After"])\n',
            '        return float(headers["Retry-After"])\n',
        )
    ],
    tags=["ValueError", "parsing", "regression"],
)

QUIET_V1 = src('''
    """Quiet hours: no push notifications at night (local hours, start <= end)."""


    def in_quiet_hours(hour, start=22, end=7):
        return start <= hour < end


    def should_push(hour, urgent=False, start=22, end=7):
        return urgent or not in_quiet_hours(hour, start, end)
''')

ci_quiet_hours = Case(
    id="notifications-ci-quiet-hours-midnight",
    title="CI failure: quiet hours spanning midnight are never quiet",
    source="ci",
    service="notifications",
    start="2026-11-05T11:00:00",
    commits=[
        Commit(
            "Quiet hours for push notifications",
            "ben",
            files={
                "notifications/__init__.py": INIT,
                "notifications/quiet.py": QUIET_V1.replace("start=22, end=7", "start=0, end=7"),
                "tests/test_quiet.py": src('''
                    from notifications.quiet import in_quiet_hours, should_push


                    def test_daytime_is_loud():
                        assert not in_quiet_hours(12)
                        assert should_push(12)


                    def test_urgent_always_pushes():
                        assert should_push(3, urgent=True)
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Quiet hours: configurable window",
            "dora",
            edits=[
                Edit(
                    "tests/test_quiet.py",
                    "def test_urgent_always_pushes():\n",
                    "def test_custom_window():\n"
                    "    assert in_quiet_hours(13, start=12, end=14)\n"
                    "    assert not in_quiet_hours(14, start=12, end=14)\n\n\n"
                    "def test_urgent_always_pushes():\n",
                )
            ],
            deploy="production",
            hours=25,
        ),
        Commit(
            "Quiet hours: start at 22:00 as product asked",
            "eli",
            edits=[
                Edit(
                    "notifications/quiet.py",
                    "def in_quiet_hours(hour, start=0, end=7):\n",
                    "def in_quiet_hours(hour, start=22, end=7):\n",
                ),
                Edit(
                    "notifications/quiet.py",
                    "def should_push(hour, urgent=False, start=0, end=7):\n",
                    "def should_push(hour, urgent=False, start=22, end=7):\n",
                ),
                Edit(
                    "tests/test_quiet.py",
                    "def test_urgent_always_pushes():\n",
                    "def test_night_is_quiet():\n"
                    "    assert in_quiet_hours(23) and in_quiet_hours(3)\n"
                    "    assert not should_push(23)\n\n\n"
                    "def test_urgent_always_pushes():\n",
                ),
            ],
            deploy="production",
            hours=24,
        ),
    ],
    culprit=2,
    files=["notifications/quiet.py"],
    functions=["in_quiet_hours"],
    judge=src('''
        from notifications.quiet import in_quiet_hours, should_push


        def test_window_across_midnight():
            quiet = sorted(h for h in range(24) if in_quiet_hours(h))
            assert quiet == [0, 1, 2, 3, 4, 5, 6, 22, 23]
            assert not should_push(23) and should_push(7) and should_push(21)


        def test_window_within_a_day():
            assert in_quiet_hours(13, start=12, end=14)
            assert not in_quiet_hours(14, start=12, end=14)
            assert not in_quiet_hours(11, start=12, end=14)
            assert should_push(3, urgent=True)
    '''),
    fix=[
        Edit(
            "notifications/quiet.py",
            "    return start <= hour < end\n",
            "    if start <= end:\n"
            "        return start <= hour < end\n"
            "    return hour >= start or hour < end\n",
        )
    ],
    tags=["logic", "wrong-operator", "hard", "regression"],
)

CASES = [
    pad(template_keyerror, "ci", "changelog"),
    pad(digest_index, "version"),
    pad(retry_after_parse, "makefile"),
    ci_quiet_hours,
]
