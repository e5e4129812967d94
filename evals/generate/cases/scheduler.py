"""Scheduler: booking slots, reminders, cron parsing, job ordering, business days."""

# Spec modules embed the services' source text verbatim; its lines may run long.
# ruff: noqa: E501

from __future__ import annotations

from evals.generate.spec import Case, Commit, Crash, Edit, pad, src

INIT = src('"""Scheduling service."""')

SLOTS_V1 = src('''
    """Free booking slots of a calendar day (minutes since midnight)."""


    def day_slots(open_min, close_min, length):
        return list(range(open_min, close_min - length + 1, length))


    def next_slot(slots, after):
        """First free slot strictly after `after`; None when the day is full."""
        for slot in slots:
            if slot > after:
                return slot
        return None


    def suggest(open_min, close_min, length, after, taken=()):
        free = [s for s in day_slots(open_min, close_min, length) if s not in taken]
        return next_slot(free, after)
''')

next_slot_index = Case(
    id="scheduler-next-slot-indexerror",
    title="IndexError: list index out of range in next_slot late in the day",
    source="sentry",
    service="scheduler",
    start="2026-11-02T11:00:00",
    commits=[
        Commit(
            "Slot suggestions for the booking widget",
            "chen",
            files={
                "scheduler/__init__.py": INIT,
                "scheduler/slots.py": SLOTS_V1,
                "tests/test_slots.py": src('''
                    from scheduler.slots import day_slots, suggest


                    def test_day_slots():
                        assert day_slots(540, 660, 30) == [540, 570, 600, 630]


                    def test_suggest_skips_taken():
                        assert suggest(540, 660, 30, after=500, taken={540}) == 570
                '''),
                "README.md": src("# scheduler\n\nBooking slots and reminders."),
            },
            deploy="production",
        ),
        Commit(
            "Slots: binary search for the next slot\n\n"
            "Calendars with 5-minute slots made the linear scan show up in profiles.",
            "gus",
            edits=[
                Edit(
                    "scheduler/slots.py",
                    '"""Free booking slots of a calendar day (minutes since midnight)."""\n',
                    '"""Free booking slots of a calendar day (minutes since midnight)."""\n\n'
                    "import bisect\n",
                ),
                Edit(
                    "scheduler/slots.py",
                    "    for slot in slots:\n"
                    "        if slot > after:\n"
                    "            return slot\n"
                    "    return None\n",
                    "    return slots[bisect.bisect_right(slots, after)]\n",
                ),
            ],
            deploy="production",
            hours=26,
        ),
        Commit(
            "Slots: allow a lunch break",
            "dora",
            edits=[
                Edit(
                    "scheduler/slots.py",
                    "def suggest(open_min, close_min, length, after, taken=()):\n"
                    "    free = [s for s in day_slots(open_min, close_min, length) if s not in taken]\n",
                    "def suggest(open_min, close_min, length, after, taken=(), breaks=()):\n"
                    "    free = [\n"
                    "        s\n"
                    "        for s in day_slots(open_min, close_min, length)\n"
                    "        if s not in taken and not any(b0 <= s < b1 for b0, b1 in breaks)\n"
                    "    ]\n",
                )
            ],
            deploy="production",
            hours=22,
        ),
    ],
    culprit=1,
    crash=Crash(
        target="scheduler.slots:suggest",
        args="540, 1020, 30, 1000, {960, 990}",
        tags={"transaction": "GET /calendars/{id}/next-slot"},
    ),
    files=["scheduler/slots.py"],
    functions=["next_slot"],
    judge=src('''
        from scheduler.slots import next_slot, suggest


        def test_full_day_has_no_next_slot():
            assert suggest(540, 1020, 30, 1000, {960, 990}) is None
            assert next_slot([], 10) is None
            assert next_slot([540, 570], 570) is None


        def test_next_slot_and_breaks():
            assert next_slot([540, 570, 600], 545) == 570
            assert suggest(540, 780, 60, 500, breaks=[(720, 780)]) == 540
            assert suggest(540, 780, 60, 650, breaks=[(720, 780)]) == 660
    '''),
    fix=[
        Edit(
            "scheduler/slots.py",
            "    return slots[bisect.bisect_right(slots, after)]\n",
            "    i = bisect.bisect_right(slots, after)\n"
            "    return slots[i] if i < len(slots) else None\n",
        )
    ],
    tags=["IndexError", "bounds", "regression"],
)

REMINDERS_V1 = src('''
    """Reminder queue: reminders are stored with UTC times."""

    from datetime import datetime


    def parse_at(value):
        return datetime.strptime(value, "%Y-%m-%d %H:%M")


    def due(reminders, now):
        pending = sorted(reminders, key=lambda r: parse_at(r["at"]))
        return [r["id"] for r in pending if parse_at(r["at"]) <= now]
''')

reminder_tz = Case(
    id="scheduler-reminders-naive-aware-sort",
    title="TypeError: can't compare offset-naive and offset-aware datetimes in due()",
    source="sentry",
    service="scheduler",
    start="2026-11-03T09:10:00",
    commits=[
        Commit(
            "Reminder queue",
            "ana",
            files={
                "scheduler/__init__.py": INIT,
                "scheduler/reminders.py": REMINDERS_V1,
                "tests/test_reminders.py": src('''
                    from datetime import datetime

                    from scheduler.reminders import due


                    def test_due_in_order():
                        reminders = [
                            {"id": "b", "at": "2026-11-03 10:00"},
                            {"id": "a", "at": "2026-11-03 09:00"},
                            {"id": "c", "at": "2026-11-04 09:00"},
                        ]
                        assert due(reminders, datetime(2026, 11, 3, 12, 0)) == ["a", "b"]
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Reminders: accept ISO 8601 times from the mobile app\n\n"
            'The app sends "2026-11-03T09:00:00Z"; fall back to ISO parsing.',
            "eli",
            edits=[
                Edit(
                    "scheduler/reminders.py",
                    '    return datetime.strptime(value, "%Y-%m-%d %H:%M")\n',
                    "    try:\n"
                    '        return datetime.strptime(value, "%Y-%m-%d %H:%M")\n'
                    "    except ValueError:\n"
                    "        return datetime.fromisoformat(value)\n",
                ),
            ],
            deploy="production",
            hours=28,
        ),
        Commit(
            "Reminders: drop cancelled reminders",
            "ana",
            edits=[
                Edit(
                    "scheduler/reminders.py",
                    "    pending = sorted(reminders, key=lambda r: parse_at(r[\"at\"]))\n",
                    "    live = [r for r in reminders if not r.get(\"cancelled\")]\n"
                    "    pending = sorted(live, key=lambda r: parse_at(r[\"at\"]))\n",
                )
            ],
            deploy="production",
            hours=20,
        ),
    ],
    culprit=1,
    crash=Crash(
        target="scheduler.reminders:due",
        args='[{"id": "r-118", "at": "2026-11-05 08:00"}, '
        '{"id": "r-131", "at": "2026-11-05T07:30:00Z"}], datetime(2026, 11, 5, 9, 0)',
        tags={"transaction": "task scheduler.send_due_reminders"},
    ),
    files=["scheduler/reminders.py"],
    functions=["parse_at"],
    judge=src('''
        from datetime import datetime

        from scheduler.reminders import due, parse_at


        def test_mixed_formats_are_ordered_in_utc():
            reminders = [
                {"id": "r-118", "at": "2026-11-05 08:00"},
                {"id": "r-131", "at": "2026-11-05T07:30:00Z"},
                {"id": "r-140", "at": "2026-11-05T10:30:00+02:00"},
                {"id": "r-150", "at": "2026-11-05T12:00:00Z"},
            ]
            assert due(reminders, datetime(2026, 11, 5, 9, 0)) == ["r-131", "r-118", "r-140"]


        def test_plain_format_unchanged():
            assert parse_at("2026-11-05 08:00") == datetime(2026, 11, 5, 8, 0)
            assert due([{"id": "x", "at": "2026-11-05 08:00", "cancelled": True}],
                       datetime(2026, 11, 6)) == []
    '''),
    fix=[
        Edit(
            "scheduler/reminders.py",
            "        return datetime.fromisoformat(value)\n",
            "        parsed = datetime.fromisoformat(value)\n"
            "        if parsed.tzinfo is not None:  # stored times are naive UTC\n"
            "            parsed = (parsed - parsed.utcoffset()).replace(tzinfo=None)\n"
            "        return parsed\n",
        ),
    ],
    tags=["TypeError", "timezone", "regression"],
)

CRON_V1 = src('''
    """A small cron field parser: "*", "N", "A-B" and "*/S"."""


    def parse_field(field, lo, hi):
        if field == "*":
            return list(range(lo, hi + 1))
        if field.startswith("*/"):
            return list(range(lo, hi + 1, int(field[2:])))
        if "-" in field:
            a, b = field.split("-")
            return list(range(int(a), int(b) + 1))
        return [int(field)]


    def parse(expr):
        minute, hour, dom, month, dow = expr.split()
        return {
            "minute": parse_field(minute, 0, 59),
            "hour": parse_field(hour, 0, 23),
            "dom": parse_field(dom, 1, 31),
            "month": parse_field(month, 1, 12),
            "dow": parse_field(dow, 0, 6),
        }
''')

CRON_V2 = src('''
    """A small cron field parser: "*", "N", "A-B", "*/S" and lists of those."""


    def parse_part(part, lo, hi):
        if part == "*":
            return list(range(lo, hi + 1))
        if "-" in part:
            a, b = part.split("-")
            return list(range(int(a), int(b) + 1))
        return [int(part)]


    def parse_field(field, lo, hi):
        values = set()
        for part in field.split(","):
            values.update(parse_part(part, lo, hi))
        return sorted(values)


    def parse(expr):
        minute, hour, dom, month, dow = expr.split()
        return {
            "minute": parse_field(minute, 0, 59),
            "hour": parse_field(hour, 0, 23),
            "dom": parse_field(dom, 1, 31),
            "month": parse_field(month, 1, 12),
            "dow": parse_field(dow, 0, 6),
        }
''')

cron_step = Case(
    id="scheduler-cron-step-valueerror",
    title="ValueError: invalid literal for int() with base 10: '*/15' in parse_part",
    source="sentry",
    service="scheduler",
    start="2026-11-05T14:00:00",
    commits=[
        Commit(
            "Cron expression parser",
            "hana",
            files={
                "scheduler/__init__.py": INIT,
                "scheduler/cron.py": CRON_V1,
                "tests/test_cron.py": src('''
                    from scheduler.cron import parse


                    def test_every_day_at_two():
                        out = parse("0 2 * * *")
                        assert out["minute"] == [0] and out["hour"] == [2]
                        assert len(out["dom"]) == 31


                    def test_weekdays():
                        assert parse("0 9 * * 1-5")["dow"] == [1, 2, 3, 4, 5]
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Cron: validate the number of fields",
            "chen",
            edits=[
                Edit(
                    "scheduler/cron.py",
                    "    minute, hour, dom, month, dow = expr.split()\n",
                    "    fields = expr.split()\n"
                    "    if len(fields) != 5:\n"
                    '        raise ValueError(f"expected 5 cron fields, got {len(fields)}")\n'
                    "    minute, hour, dom, month, dow = fields\n",
                )
            ],
            deploy="production",
            hours=24,
        ),
        Commit(
            "Cron: support lists like 1,15,30\n\n"
            "Split fields on commas and parse each part.",
            "ben",
            files={
                "scheduler/cron.py": CRON_V2.replace(
                    "    minute, hour, dom, month, dow = expr.split()\n",
                    "    fields = expr.split()\n"
                    "    if len(fields) != 5:\n"
                    '        raise ValueError(f"expected 5 cron fields, got {len(fields)}")\n'
                    "    minute, hour, dom, month, dow = fields\n",
                )
            },
            edits=[
                Edit(
                    "tests/test_cron.py",
                    '    assert parse("0 9 * * 1-5")["dow"] == [1, 2, 3, 4, 5]\n',
                    '    assert parse("0 9 * * 1-5")["dow"] == [1, 2, 3, 4, 5]\n\n\n'
                    "def test_lists():\n"
                    '    assert parse("0,30 8,12-13 * * *")["hour"] == [8, 12, 13]\n',
                )
            ],
            deploy="production",
            hours=27,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="scheduler.cron:parse",
        args='"*/15 * * * *"',
        tags={"transaction": "POST /jobs", "job": "sync-calendars"},
    ),
    files=["scheduler/cron.py"],
    functions=["parse_part"],
    judge=src('''
        from scheduler.cron import parse


        def test_steps():
            assert parse("*/15 * * * *")["minute"] == [0, 15, 30, 45]
            assert parse("0 */6 * * *")["hour"] == [0, 6, 12, 18]


        def test_lists_still_work():
            out = parse("0,30 8,12-13 * * *")
            assert out["minute"] == [0, 30]
            assert out["hour"] == [8, 12, 13]
            assert parse("5,*/20 * * * *")["minute"] == [0, 5, 20, 40]
    '''),
    fix=[
        Edit(
            "scheduler/cron.py",
            '    if part == "*":\n        return list(range(lo, hi + 1))\n',
            '    if part == "*":\n        return list(range(lo, hi + 1))\n'
            '    if part.startswith("*/"):\n'
            "        return list(range(lo, hi + 1, int(part[2:])))\n",
        )
    ],
    tags=["ValueError", "parsing", "regression", "feature-bundled"],
    feature_test=True,
)

JOBS_V1 = src('''
    """Nightly job graph: each job runs after the jobs it depends on."""

    import logging

    log = logging.getLogger("scheduler.jobs")

    JOBS = {
        "extract": [],
        "clean": ["extract"],
        "aggregate": ["clean"],
        "export": ["aggregate"],
    }


    def visit(job, graph, order):
        for dep in graph[job]:
            visit(dep, graph, order)
        if job not in order:
            order.append(job)


    def run_order(graph=None):
        graph = JOBS if graph is None else graph
        order = []
        for job in sorted(graph):
            visit(job, graph, order)
        return order


    def run_nightly():
        order = run_order()
        log.info("nightly order: %s", ", ".join(order))
        return order
''')

dependency_cycle = Case(
    id="scheduler-job-graph-recursion",
    title="Nightly scheduler down: RecursionError resolving the job graph",
    source="pagerduty",
    service="scheduler-nightly",
    start="2026-11-06T08:00:00",
    commits=[
        Commit(
            "Nightly job graph",
            "dora",
            files={
                "scheduler/__init__.py": INIT,
                "scheduler/jobs.py": JOBS_V1,
                "tests/test_jobs.py": src('''
                    from scheduler.jobs import run_order


                    def test_small_graph():
                        graph = {"a": [], "b": ["a"], "c": ["b", "a"]}
                        assert run_order(graph) == ["a", "b", "c"]
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Jobs: add the reconcile job",
            "gus",
            edits=[
                Edit(
                    "scheduler/jobs.py",
                    '    "export": ["aggregate"],\n',
                    '    "export": ["aggregate"],\n    "reconcile": ["export"],\n',
                )
            ],
            deploy="production",
            hours=30,
        ),
        Commit(
            "Jobs: clean must see reconciled records\n\n"
            "Finance asked for reconciliation corrections to be cleaned too.",
            "fay",
            edits=[
                Edit(
                    "scheduler/jobs.py",
                    '    "clean": ["extract"],\n',
                    '    "clean": ["extract", "reconcile"],\n',
                )
            ],
            deploy="production",
            hours=26,
        ),
    ],
    culprit=2,
    crash=Crash(target="scheduler.jobs:run_nightly"),
    log_lines=["INFO scheduler.nightly starting nightly pipeline", "INFO scheduler.jobs 5 jobs loaded"],
    files=["scheduler/jobs.py"],
    functions=["visit", "run_order"],
    judge=src('''
        import pytest

        from scheduler.jobs import JOBS, run_order, run_nightly


        def test_nightly_graph_is_acyclic_and_ordered():
            order = run_nightly()
            assert sorted(order) == sorted(JOBS)
            for job, deps in JOBS.items():
                for dep in deps:
                    assert order.index(dep) < order.index(job)


        def test_cycles_are_reported_clearly():
            with pytest.raises(ValueError, match="cycle"):
                run_order({"a": ["b"], "b": ["a"]})
    '''),
    fix=[
        Edit(
            "scheduler/jobs.py",
            '    "clean": ["extract", "reconcile"],\n',
            '    "clean": ["extract"],\n',
        ),
        Edit(
            "scheduler/jobs.py",
            "def visit(job, graph, order):\n"
            "    for dep in graph[job]:\n"
            "        visit(dep, graph, order)\n",
            "def visit(job, graph, order, path=()):\n"
            "    if job in path:\n"
            '        raise ValueError(f"dependency cycle: {\' -> \'.join((*path, job))}")\n'
            "    for dep in graph[job]:\n"
            "        visit(dep, graph, order, (*path, job))\n",
        ),
    ],
    tags=["RecursionError", "recursion", "configuration", "hard", "multi-part"],
)

DAYS_V1 = src('''
    """Business days for SLA clocks."""

    from datetime import timedelta

    HOLIDAYS = set()


    def business_days(start, end):
        """Business days from start to end, both included."""
        days = []
        day = start
        while day <= end:
            if day.weekday() < 5 and day not in HOLIDAYS:
                days.append(day)
            day += timedelta(days=1)
        return days


    def sla_deadline(opened, sla_days):
        day = opened
        remaining = sla_days
        while remaining:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in HOLIDAYS:
                remaining -= 1
        return day
''')

ci_business_days = Case(
    id="scheduler-ci-business-days",
    title="CI failure: business_days drops the last day of the range",
    source="ci",
    service="scheduler",
    start="2026-11-09T10:30:00",
    commits=[
        Commit(
            "Business days and SLA deadlines",
            "eli",
            files={
                "scheduler/__init__.py": INIT,
                "scheduler/days.py": DAYS_V1,
                "tests/test_days.py": src('''
                    from datetime import date

                    from scheduler.days import business_days, sla_deadline


                    def test_week():
                        days = business_days(date(2026, 11, 9), date(2026, 11, 13))
                        assert len(days) == 5


                    def test_single_day():
                        assert business_days(date(2026, 11, 9), date(2026, 11, 9)) == [date(2026, 11, 9)]


                    def test_deadline_skips_weekend():
                        assert sla_deadline(date(2026, 11, 13), 1) == date(2026, 11, 16)
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Days: company holidays",
            "ana",
            edits=[
                Edit(
                    "scheduler/days.py",
                    "from datetime import timedelta\n\nHOLIDAYS = set()\n",
                    "from datetime import date, timedelta\n\n"
                    "HOLIDAYS = {date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)}\n",
                )
            ],
            deploy="production",
            hours=28,
        ),
        Commit(
            "Days: stop the loop before the end date\n\n"
            "Avoid evaluating the end date twice when start == end.",
            "gus",
            edits=[
                Edit("scheduler/days.py", "    while day <= end:\n", "    while day < end:\n")
            ],
            deploy="production",
            hours=25,
        ),
    ],
    culprit=2,
    files=["scheduler/days.py"],
    functions=["business_days"],
    judge=src('''
        from datetime import date

        from scheduler.days import business_days, sla_deadline


        def test_inclusive_range():
            assert len(business_days(date(2026, 11, 9), date(2026, 11, 13))) == 5
            assert business_days(date(2026, 11, 9), date(2026, 11, 9)) == [date(2026, 11, 9)]
            assert business_days(date(2026, 11, 14), date(2026, 11, 15)) == []


        def test_holidays():
            days = business_days(date(2026, 12, 21), date(2026, 12, 27))
            assert days[-1] == date(2026, 12, 24) and len(days) == 4
            assert sla_deadline(date(2026, 12, 24), 1) == date(2026, 12, 28)
    '''),
    fix=[Edit("scheduler/days.py", "    while day < end:\n", "    while day <= end:\n")],
    tags=["off-by-one", "logic", "regression"],
)

CASES = [
    pad(next_slot_index, "makefile"),
    pad(reminder_tz, "health"),
    pad(cron_step, "version", "ci"),
    pad(dependency_cycle, "changelog"),
    pad(ci_business_days, "changelog", same_push=True),
]
