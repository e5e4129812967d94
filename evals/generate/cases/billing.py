"""Billing: usage summaries, proration, usage imports, invoice numbers and mailers."""

# Spec modules embed the services' source text verbatim; its lines may run long.
# ruff: noqa: E501

from __future__ import annotations

from evals.generate.spec import Case, Commit, Crash, Edit, pad, src

INIT = src('"""Billing service."""')

USAGE_V1 = src('''
    """Usage summaries shown on the invoice."""


    def total_units(records):
        return sum(r["units"] for r in records)


    def summarize(account_id, records, unit_price):
        units = total_units(records)
        return {
            "account": account_id,
            "units": units,
            "amount": round(units * unit_price, 2),
        }
''')

usage_zero_division = Case(
    id="billing-usage-average-zero-division",
    title="ZeroDivisionError in summarize for accounts without usage this period",
    source="sentry",
    service="billing",
    start="2026-11-03T08:00:00",
    commits=[
        Commit(
            "Invoice usage summaries",
            "ben",
            files={
                "billing/__init__.py": INIT,
                "billing/usage.py": USAGE_V1,
                "tests/test_usage.py": src('''
                    from billing.usage import summarize


                    def test_summary():
                        records = [{"day": 1, "units": 10}, {"day": 2, "units": 30}]
                        out = summarize("acc-1", records, 0.5)
                        assert out["units"] == 40
                        assert out["amount"] == 20.0
                '''),
                "README.md": src("# billing\n\nUsage-based invoicing."),
            },
            deploy="production",
        ),
        Commit(
            "Show average daily usage on invoices",
            "chen",
            edits=[
                Edit(
                    "billing/usage.py",
                    "    units = total_units(records)\n",
                    "    units = total_units(records)\n"
                    "    average = units / len(records)\n",
                ),
                Edit(
                    "billing/usage.py",
                    '        "amount": round(units * unit_price, 2),\n',
                    '        "amount": round(units * unit_price, 2),\n'
                    '        "average_daily": round(average, 2),\n',
                ),
                Edit(
                    "tests/test_usage.py",
                    '    assert out["amount"] == 20.0\n',
                    '    assert out["amount"] == 20.0\n    assert out["average_daily"] == 20.0\n',
                ),
            ],
            deploy="production",
            hours=28,
        ),
        Commit(
            "README: invoice fields",
            "ben",
            edits=[
                Edit(
                    "README.md",
                    "Usage-based invoicing.\n",
                    "Usage-based invoicing.\n\nInvoices show units, amount and average daily units.\n",
                )
            ],
            deploy="production",
            hours=6,
        ),
    ],
    culprit=1,
    crash=Crash(
        target="billing.usage:summarize",
        args='"acc-2291", [], 0.12',
        tags={"transaction": "GET /invoices/preview"},
    ),
    files=["billing/usage.py"],
    functions=["summarize"],
    judge=src('''
        from billing.usage import summarize


        def test_no_usage_summary():
            out = summarize("acc-2291", [], 0.12)
            assert out["units"] == 0
            assert out["amount"] == 0
            assert out["average_daily"] == 0


        def test_average_still_reported():
            out = summarize("a", [{"day": 1, "units": 10}, {"day": 2, "units": 30}], 0.5)
            assert out["average_daily"] == 20.0
    '''),
    fix=[
        Edit(
            "billing/usage.py",
            "    average = units / len(records)\n",
            "    average = units / len(records) if records else 0\n",
        )
    ],
    tags=["ZeroDivisionError", "empty-collection", "regression"],
)

PRORATION_V1 = src('''
    """Mid-cycle plan changes are billed pro rata."""

    from datetime import datetime

    CYCLE_DAYS = 30


    def parse_started_at(value):
        # stored by the accounts service as "2026-11-01 08:00:00" (UTC, no offset)
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")


    def days_used(started_at, now=None):
        now = now or datetime.utcnow()
        return (now - parse_started_at(started_at)).days


    def prorated_credit(monthly_price, started_at, now=None):
        used = min(days_used(started_at, now), CYCLE_DAYS)
        return round(monthly_price * (CYCLE_DAYS - used) / CYCLE_DAYS, 2)
''')

proration_tz = Case(
    id="billing-proration-naive-aware",
    title="TypeError: can't subtract offset-naive and offset-aware datetimes in days_used",
    source="sentry",
    service="billing",
    start="2026-11-04T09:30:00",
    commits=[
        Commit(
            "Pro-rata credit on plan changes",
            "dora",
            files={
                "billing/__init__.py": INIT,
                "billing/proration.py": PRORATION_V1,
                "tests/test_proration.py": src('''
                    from billing.proration import parse_started_at, prorated_credit


                    def test_parse():
                        assert parse_started_at("2026-11-01 08:00:00").day == 1


                    def test_unused_plan_is_fully_credited():
                        started = parse_started_at("2026-11-01 08:00:00")
                        assert prorated_credit(30.0, "2026-11-01 08:00:00", now=started) == 30.0
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Cap the credit at the plan price",
            "eli",
            edits=[
                Edit(
                    "billing/proration.py",
                    "    used = min(days_used(started_at, now), CYCLE_DAYS)\n",
                    "    used = max(min(days_used(started_at, now), CYCLE_DAYS), 0)\n",
                )
            ],
            deploy="production",
            hours=30,
        ),
        Commit(
            "Replace deprecated datetime.utcnow()\n\n"
            "datetime.utcnow() is deprecated since Python 3.12; use an aware UTC clock.",
            "fay",
            edits=[
                Edit(
                    "billing/proration.py",
                    "from datetime import datetime\n",
                    "from datetime import datetime, timezone\n",
                ),
                Edit(
                    "billing/proration.py",
                    "    now = now or datetime.utcnow()\n",
                    "    now = now or datetime.now(timezone.utc)\n",
                ),
            ],
            deploy="production",
            hours=26,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="billing.proration:prorated_credit",
        args='49.0, "2026-11-01 08:00:00"',
        tags={"transaction": "POST /subscriptions/change-plan"},
    ),
    files=["billing/proration.py"],
    functions=["days_used", "parse_started_at"],
    judge=src('''
        from datetime import datetime, timezone

        from billing.proration import days_used, prorated_credit


        def test_default_clock_works():
            assert prorated_credit(49.0, "2026-11-01 08:00:00") >= 0


        def test_days_used_with_aware_now():
            now = datetime(2026, 11, 16, 8, 0, tzinfo=timezone.utc)
            assert days_used("2026-11-01 08:00:00", now) == 15
            assert prorated_credit(30.0, "2026-11-01 08:00:00", now=now) == 15.0
    '''),
    fix=[
        Edit(
            "billing/proration.py",
            '    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")\n',
            '    parsed = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")\n'
            "    return parsed.replace(tzinfo=timezone.utc)\n",
        )
    ],
    tags=["TypeError", "timezone", "regression"],
)

IMPORT_V1 = src('''
    """Imports metered usage exported by the gateway as CSV."""

    import csv
    import io


    def parse_rows(text):
        rows = []
        for row in csv.DictReader(io.StringIO(text)):
            rows.append(
                {
                    "account": row["account"],
                    "amount": float(row["amount"] or 0),
                }
            )
        return rows


    def import_usage(text):
        totals = {}
        for row in parse_rows(text):
            totals[row["account"]] = totals.get(row["account"], 0) + row["amount"]
        return totals
''')

IMPORT_TESTS = src('''
    from billing.importer import import_usage

    CSV = "account,amount\\nacc-1,2.5\\nacc-2,1\\nacc-1,0.5\\n"


    def test_import_totals():
        assert import_usage(CSV) == {"acc-1": 3.0, "acc-2": 1.0}
''')

csv_blank_amount = Case(
    id="billing-import-blank-amount",
    title="ValueError: could not convert string to float: '' while importing gateway usage",
    source="sentry",
    service="billing",
    start="2026-11-06T07:45:00",
    commits=[
        Commit(
            "Gateway usage CSV import",
            "gus",
            files={
                "billing/__init__.py": INIT,
                "billing/importer.py": IMPORT_V1,
                "tests/test_importer.py": IMPORT_TESTS,
            },
            deploy="production",
        ),
        Commit(
            "Importer: accept thousands separators in amounts\n\n"
            "The gateway started exporting 1,250.00 for large accounts.",
            "hana",
            edits=[
                Edit(
                    "billing/importer.py",
                    '                "amount": float(row["amount"] or 0),\n',
                    '                "amount": float(row["amount"].replace(",", "")),\n',
                ),
                Edit(
                    "tests/test_importer.py",
                    '    assert import_usage(CSV) == {"acc-1": 3.0, "acc-2": 1.0}\n',
                    '    assert import_usage(CSV) == {"acc-1": 3.0, "acc-2": 1.0}\n\n\n'
                    "def test_thousands_separator():\n"
                    '    assert import_usage(\'account,amount\\nacc-9,"1,250.00"\\n\') == {"acc-9": 1250.0}\n',
                ),
            ],
            deploy="production",
            hours=29,
        ),
        Commit(
            "Importer: skip the gateway's trailing total row",
            "gus",
            edits=[
                Edit(
                    "billing/importer.py",
                    "    for row in csv.DictReader(io.StringIO(text)):\n",
                    "    for row in csv.DictReader(io.StringIO(text)):\n"
                    '        if row["account"] == "TOTAL":\n'
                    "            continue\n",
                )
            ],
            deploy="production",
            hours=21,
        ),
    ],
    culprit=1,
    crash=Crash(
        target="billing.importer:import_usage",
        args='"account,amount\\nacc-1,12.5\\nacc-7,\\nacc-3,\\"1,020.00\\"\\nTOTAL,1032.5\\n"',
        tags={"transaction": "task billing.import_gateway_usage"},
    ),
    files=["billing/importer.py"],
    functions=["parse_rows"],
    judge=src('''
        from billing.importer import import_usage


        def test_blank_amount_counts_as_zero():
            text = 'account,amount\\nacc-1,12.5\\nacc-7,\\nacc-3,"1,020.00"\\nTOTAL,1032.5\\n'
            assert import_usage(text) == {"acc-1": 12.5, "acc-7": 0.0, "acc-3": 1020.0}


        def test_thousands_separator_kept():
            assert import_usage('account,amount\\nacc-9,"1,250.00"\\n') == {"acc-9": 1250.0}
    '''),
    fix=[
        Edit(
            "billing/importer.py",
            '                "amount": float(row["amount"].replace(",", "")),\n',
            '                "amount": float(row["amount"].replace(",", "") or 0),\n',
        )
    ],
    tags=["ValueError", "parsing", "blank-string", "regression"],
)

NUMBERS_V1 = src('''
    """Invoice numbers look like INV-2026-11-000123."""


    def invoice_number(period, sequence):
        year, month = period.split("-")
        return "INV-" + year + "-" + month + "-" + str(sequence).zfill(6)
''')

invoice_number_type = Case(
    id="billing-invoice-number-str-int",
    title='TypeError: can only concatenate str (not "int") to str in invoice_number',
    source="sentry",
    service="billing",
    start="2026-11-07T10:00:00",
    commits=[
        Commit(
            "Invoice numbering",
            "ana",
            files={
                "billing/__init__.py": INIT,
                "billing/numbers.py": NUMBERS_V1,
                "tests/test_numbers.py": src('''
                    from billing.numbers import invoice_number


                    def test_number_format():
                        assert invoice_number("2026-11", 123) == "INV-2026-11-000123"
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Credit note numbers",
            "ben",
            edits=[
                Edit(
                    "billing/numbers.py",
                    '    return "INV-" + year + "-" + month + "-" + str(sequence).zfill(6)\n',
                    '    return "INV-" + year + "-" + month + "-" + str(sequence).zfill(6)\n\n\n'
                    "def credit_note_number(invoice_no):\n"
                    '    return "CN-" + invoice_no.removeprefix("INV-")\n',
                )
            ],
            deploy="production",
            hours=26,
        ),
        Commit(
            "Numbers: accept the billing period as a date\n\n"
            "The period closer now passes the period start date instead of 'YYYY-MM'.",
            "chen",
            edits=[
                Edit(
                    "billing/numbers.py",
                    '    year, month = period.split("-")\n',
                    "    if isinstance(period, str):\n"
                    '        year, month = period.split("-")\n'
                    "    else:\n"
                    "        year, month = period.year, f\"{period.month:02d}\"\n",
                ),
            ],
            deploy="production",
            hours=25,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="billing.numbers:invoice_number",
        args="date(2026, 11, 1), 4410",
        tags={"transaction": "task billing.close_period"},
    ),
    files=["billing/numbers.py"],
    functions=["invoice_number"],
    judge=src('''
        from datetime import date

        from billing.numbers import credit_note_number, invoice_number


        def test_date_period():
            assert invoice_number(date(2026, 11, 1), 4410) == "INV-2026-11-004410"


        def test_string_period():
            assert invoice_number("2026-03", 1) == "INV-2026-03-000001"


        def test_credit_note():
            assert credit_note_number("INV-2026-03-000001") == "CN-2026-03-000001"
    '''),
    fix=[
        Edit(
            "billing/numbers.py",
            '        year, month = period.year, f"{period.month:02d}"\n',
            '        year, month = str(period.year), f"{period.month:02d}"\n',
        )
    ],
    tags=["TypeError", "types", "regression"],
)

PERIOD_V1 = src('''
    """Billing periods and per-day proration of add-ons."""

    from datetime import date


    def days_in_period(start, end):
        """Number of billed days; both start and end days are billed."""
        return (end - start).days + 1


    def addon_charge(daily_price, start, end):
        return round(daily_price * days_in_period(start, end), 2)
''')

ci_period_off_by_one = Case(
    id="billing-ci-period-off-by-one",
    title="CI failure: add-on charges one day short after the period helper cleanup",
    source="ci",
    service="billing",
    start="2026-11-09T09:00:00",
    commits=[
        Commit(
            "Add-on proration by day",
            "dora",
            files={
                "billing/__init__.py": INIT,
                "billing/periods.py": PERIOD_V1,
                "tests/test_periods.py": src('''
                    from datetime import date

                    from billing.periods import addon_charge, days_in_period


                    def test_single_day():
                        assert days_in_period(date(2026, 11, 3), date(2026, 11, 3)) == 1


                    def test_full_november():
                        assert days_in_period(date(2026, 11, 1), date(2026, 11, 30)) == 30
                        assert addon_charge(0.5, date(2026, 11, 1), date(2026, 11, 30)) == 15.0
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Periods: helper for the month containing a day",
            "eli",
            edits=[
                Edit(
                    "billing/periods.py",
                    "from datetime import date\n",
                    "import calendar\nfrom datetime import date\n\n\n"
                    "def month_of(day):\n"
                    "    last = calendar.monthrange(day.year, day.month)[1]\n"
                    "    return date(day.year, day.month, 1), date(day.year, day.month, last)\n",
                )
            ],
            deploy="production",
            hours=23,
        ),
        Commit(
            "Periods: simplify day counting",
            "fay",
            edits=[
                Edit(
                    "billing/periods.py",
                    "    return (end - start).days + 1\n",
                    "    return (end - start).days\n",
                )
            ],
            deploy="production",
            hours=27,
        ),
    ],
    culprit=2,
    files=["billing/periods.py"],
    functions=["days_in_period"],
    judge=src('''
        from datetime import date

        from billing.periods import addon_charge, days_in_period, month_of


        def test_inclusive_days():
            assert days_in_period(date(2026, 11, 3), date(2026, 11, 3)) == 1
            assert days_in_period(date(2026, 2, 1), date(2026, 2, 28)) == 28


        def test_addon_charge_for_a_month():
            start, end = month_of(date(2026, 11, 17))
            assert addon_charge(0.5, start, end) == 15.0
    '''),
    fix=[
        Edit(
            "billing/periods.py",
            "    return (end - start).days\n",
            "    return (end - start).days + 1\n",
        )
    ],
    tags=["off-by-one", "logic", "regression"],
)

MAILER_V1 = src('''
    """Nightly dunning mailer: reminds customers about overdue invoices."""

    import logging
    import os

    log = logging.getLogger("billing.dunning")


    def smtp_settings():
        return {
            "host": os.environ["SMTP_HOST"],
            "port": int(os.environ.get("SMTP_PORT", "587")),
        }


    def overdue(invoices, today):
        return [i for i in invoices if i["due"] < today and not i["paid"]]


    def run(invoices=None, today="2026-11-20"):
        invoices = invoices if invoices is not None else [
            {"id": "INV-1", "due": "2026-11-01", "paid": False},
            {"id": "INV-2", "due": "2026-11-30", "paid": False},
        ]
        settings = smtp_settings()
        todo = overdue(invoices, today)
        log.info("sending %d reminders via %s", len(todo), settings["host"])
        return [i["id"] for i in todo]
''')

nightly_env = Case(
    id="billing-dunning-env-keyerror",
    title="Nightly dunning job crashes: KeyError 'BILLING_SMTP_HOST'",
    source="pagerduty",
    service="billing-dunning",
    start="2026-11-10T08:20:00",
    commits=[
        Commit(
            "Nightly dunning mailer",
            "eli",
            files={
                "billing/__init__.py": INIT,
                "billing/dunning.py": MAILER_V1,
                "tests/test_dunning.py": src('''
                    from billing.dunning import overdue, run


                    def test_overdue():
                        invoices = [{"id": "a", "due": "2026-01-01", "paid": False}]
                        assert [i["id"] for i in overdue(invoices, "2026-02-01")] == ["a"]


                    def test_run(monkeypatch):
                        monkeypatch.setenv("SMTP_HOST", "smtp.test")
                        assert run() == ["INV-1"]
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Dunning: skip invoices under dispute",
            "ana",
            edits=[
                Edit(
                    "billing/dunning.py",
                    '    return [i for i in invoices if i["due"] < today and not i["paid"]]\n',
                    "    return [\n"
                    "        i for i in invoices\n"
                    '        if i["due"] < today and not i["paid"] and not i.get("disputed")\n'
                    "    ]\n",
                )
            ],
            deploy="production",
            hours=25,
        ),
        Commit(
            "Namespace billing settings under BILLING_\n\n"
            "Avoids clashing with the shared SMTP relay settings of other services.",
            "fay",
            edits=[
                Edit(
                    "billing/dunning.py",
                    '        "host": os.environ["SMTP_HOST"],\n'
                    '        "port": int(os.environ.get("SMTP_PORT", "587")),\n',
                    '        "host": os.environ["BILLING_SMTP_HOST"],\n'
                    '        "port": int(os.environ.get("BILLING_SMTP_PORT", "587")),\n',
                ),
                Edit(
                    "tests/test_dunning.py",
                    '    monkeypatch.setenv("SMTP_HOST", "smtp.test")\n',
                    '    monkeypatch.setenv("BILLING_SMTP_HOST", "smtp.test")\n',
                ),
            ],
            deploy="production",
            hours=30,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="billing.dunning:run",
        env={"SMTP_HOST": "smtp-relay.internal", "SMTP_PORT": "2525"},
    ),
    log_lines=[
        "INFO billing.dunning dunning run starting",
        "INFO billing.dunning loaded 2 open invoices",
    ],
    files=["billing/dunning.py"],
    functions=["smtp_settings"],
    judge=src('''
        from billing.dunning import run, smtp_settings


        def test_legacy_variables_still_work(monkeypatch):
            monkeypatch.delenv("BILLING_SMTP_HOST", raising=False)
            monkeypatch.delenv("BILLING_SMTP_PORT", raising=False)
            monkeypatch.setenv("SMTP_HOST", "smtp-relay.internal")
            monkeypatch.setenv("SMTP_PORT", "2525")
            assert smtp_settings() == {"host": "smtp-relay.internal", "port": 2525}
            assert run() == ["INV-1"]


        def test_namespaced_variables_win(monkeypatch):
            monkeypatch.setenv("SMTP_HOST", "old")
            monkeypatch.setenv("BILLING_SMTP_HOST", "new")
            monkeypatch.delenv("BILLING_SMTP_PORT", raising=False)
            monkeypatch.delenv("SMTP_PORT", raising=False)
            assert smtp_settings() == {"host": "new", "port": 587}
    '''),
    fix=[
        Edit(
            "billing/dunning.py",
            '        "host": os.environ["BILLING_SMTP_HOST"],\n'
            '        "port": int(os.environ.get("BILLING_SMTP_PORT", "587")),\n',
            '        "host": os.environ.get("BILLING_SMTP_HOST") or os.environ["SMTP_HOST"],\n'
            '        "port": int(\n'
            '            os.environ.get("BILLING_SMTP_PORT") or os.environ.get("SMTP_PORT", "587")\n'
            "        ),\n",
        )
    ],
    tags=["KeyError", "configuration", "env-var", "regression"],
)

REFUNDS_V1 = src('''
    """Refunds against captured payments."""


    class RefundError(Exception):
        pass


    VAT = 0.20


    def invoice_total(net, discount):
        """Customer pays VAT on the net price; the discount is taken off the gross."""
        gross = net * (1 + VAT)
        return round(gross - discount, 2)


    def refund_amount(net, discount, returned_share):
        """Refund for returning `returned_share` (0..1) of an order."""
        return round(net * (1 + VAT) * returned_share, 2)


    def refund(captured, net, discount, returned_share):
        amount = refund_amount(net, discount, returned_share)
        if amount > captured:
            raise RefundError(f"refund {amount:.2f} exceeds captured {captured:.2f}")
        return amount
''')

refund_business_rule = Case(
    id="billing-refund-exceeds-captured",
    title="RefundError: refund 120.00 exceeds captured 110.00 for discounted orders",
    source="sentry",
    service="billing",
    start="2026-10-01T09:00:00",
    commits=[
        Commit(
            "Refunds against captured payments",
            "hana",
            files={
                "billing/__init__.py": INIT,
                "billing/refunds.py": REFUNDS_V1,
                "tests/test_refunds.py": src('''
                    import pytest

                    from billing.refunds import RefundError, invoice_total, refund


                    def test_invoice_total():
                        assert invoice_total(100.0, 0) == 120.0


                    def test_half_refund_without_discount():
                        assert refund(120.0, 100.0, 0, 0.5) == 60.0


                    def test_refund_cannot_exceed_capture():
                        with pytest.raises(RefundError):
                            refund(10.0, 100.0, 0, 1.0)
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Refunds: log the refunded share",
            "hana",
            edits=[
                Edit(
                    "billing/refunds.py",
                    '"""Refunds against captured payments."""\n',
                    '"""Refunds against captured payments."""\n\nimport logging\n\n'
                    'log = logging.getLogger("billing.refunds")\n',
                ),
                Edit(
                    "billing/refunds.py",
                    "    amount = refund_amount(net, discount, returned_share)\n",
                    "    amount = refund_amount(net, discount, returned_share)\n"
                    '    log.info("refunding %.0f%% = %.2f", returned_share * 100, amount)\n',
                ),
            ],
            deploy="production",
            hours=240,
        ),
        Commit(
            "Refund endpoint: document returned_share",
            "ben",
            edits=[
                Edit(
                    "billing/refunds.py",
                    '    """Refund for returning `returned_share` (0..1) of an order."""\n',
                    '    """Refund for returning `returned_share` (0..1) of an order.\n\n'
                    "    `returned_share` is the share of the order's net value sent back.\n"
                    '    """\n',
                )
            ],
            deploy="production",
            hours=300,
        ),
    ],
    culprit=None,
    crash=Crash(
        target="billing.refunds:refund",
        args="110.0, 100.0, 10.0, 1.0",
        tags={"transaction": "POST /orders/{id}/refund"},
    ),
    files=["billing/refunds.py"],
    functions=["refund_amount"],
    judge=src('''
        import pytest

        from billing.refunds import RefundError, invoice_total, refund


        def test_full_return_of_discounted_order_refunds_what_was_paid():
            paid = invoice_total(100.0, 10.0)
            assert refund(paid, 100.0, 10.0, 1.0) == paid


        def test_partial_return_shares_the_discount():
            assert refund(110.0, 100.0, 10.0, 0.5) == 55.0


        def test_undiscounted_refunds_unchanged():
            assert refund(120.0, 100.0, 0, 0.5) == 60.0
            with pytest.raises(RefundError):
                refund(10.0, 100.0, 0, 1.0)
    '''),
    fix=[
        Edit(
            "billing/refunds.py",
            "    return round(net * (1 + VAT) * returned_share, 2)\n",
            "    return round((net * (1 + VAT) - discount) * returned_share, 2)\n",
        )
    ],
    tags=["business-rule", "hard", "predates-history", "domain-knowledge"],
)

CASES = [
    pad(usage_zero_division, "ci"),
    pad(proration_tz, "health", "changelog"),
    pad(csv_blank_amount, "version"),
    pad(invoice_number_type, "ci", "owners"),
    ci_period_off_by_one,
    pad(nightly_env, "changelog"),
    pad(refund_business_rule, "ci"),
]
