"""Reports: date filters, support KPIs, conversion rates, pagination and JSON exports."""

# Spec modules embed the services' source text verbatim; its lines may run long.
# ruff: noqa: E501

from __future__ import annotations

from evals.generate.spec import Case, Commit, Crash, Edit, pad, src

INIT = src('"""Reporting service."""')

FILTERS_V1 = src('''
    """Date range filters from the report URL."""

    from datetime import datetime


    def parse_day(value):
        return datetime.strptime(value, "%Y-%m-%d").date()


    def date_range(params):
        start = parse_day(params["from"])
        end = parse_day(params["to"])
        if end < start:
            raise ValueError("'to' is before 'from'")
        return start, end
''')

date_parse = Case(
    id="reports-date-filter-format",
    title="ValueError: time data '2026-11-12' does not match format '%d.%m.%Y'",
    source="sentry",
    service="reports",
    start="2026-11-02T09:40:00",
    commits=[
        Commit(
            "Date range filters",
            "eli",
            files={
                "reports/__init__.py": INIT,
                "reports/filters.py": FILTERS_V1,
                "tests/test_filters.py": src('''
                    from datetime import date

                    from reports.filters import date_range


                    def test_range():
                        assert date_range({"from": "2026-11-01", "to": "2026-11-30"}) == (
                            date(2026, 11, 1),
                            date(2026, 11, 30),
                        )
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Filters: default 'to' is today",
            "dora",
            edits=[
                Edit(
                    "reports/filters.py",
                    '    end = parse_day(params["to"])\n',
                    '    end = parse_day(params["to"]) if params.get("to") else datetime.now().date()\n',
                )
            ],
            deploy="production",
            hours=24,
        ),
        Commit(
            "Filters: German date format for the DACH dashboards\n\n"
            "Finance in Vienna types 12.11.2026.",
            "ben",
            edits=[
                Edit(
                    "reports/filters.py",
                    '    return datetime.strptime(value, "%Y-%m-%d").date()\n',
                    '    return datetime.strptime(value, "%d.%m.%Y").date()\n',
                ),
                Edit(
                    "tests/test_filters.py",
                    '    assert date_range({"from": "2026-11-01", "to": "2026-11-30"}) == (\n',
                    '    assert date_range({"from": "01.11.2026", "to": "30.11.2026"}) == (\n',
                ),
            ],
            deploy="production",
            hours=27,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="reports.filters:date_range",
        args='{"from": "2026-11-01", "to": "2026-11-12"}',
        tags={"transaction": "GET /reports/revenue", "dashboard": "revenue-eu"},
    ),
    files=["reports/filters.py"],
    functions=["parse_day"],
    judge=src('''
        from datetime import date

        from reports.filters import date_range, parse_day


        def test_iso_dates_still_accepted():
            assert date_range({"from": "2026-11-01", "to": "2026-11-12"}) == (
                date(2026, 11, 1),
                date(2026, 11, 12),
            )


        def test_german_dates_accepted():
            assert parse_day("12.11.2026") == date(2026, 11, 12)
            assert date_range({"from": "01.11.2026", "to": "2026-11-30"})[1] == date(2026, 11, 30)
    '''),
    fix=[
        Edit(
            "reports/filters.py",
            '    return datetime.strptime(value, "%d.%m.%Y").date()\n',
            '    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):\n'
            "        try:\n"
            "            return datetime.strptime(value, fmt).date()\n"
            "        except ValueError:\n"
            "            pass\n"
            '    raise ValueError(f"unrecognised date: {value!r}")\n',
        )
    ],
    tags=["ValueError", "parsing", "regression"],
)

KPI_V1 = src('''
    """Support KPIs per team."""


    def first_responses(tickets):
        return [t["first_response_min"] for t in tickets if t.get("first_response_min") is not None]


    def team_kpis(team, tickets):
        mine = [t for t in tickets if t["team"] == team]
        responses = first_responses(mine)
        return {
            "team": team,
            "tickets": len(mine),
            "answered": len(responses),
        }
''')

kpi_min_empty = Case(
    id="reports-kpi-fastest-response-empty",
    title="ValueError: min() arg is an empty sequence in team_kpis",
    source="sentry",
    service="reports",
    start="2026-11-03T13:00:00",
    commits=[
        Commit(
            "Support KPIs",
            "hana",
            files={
                "reports/__init__.py": INIT,
                "reports/kpi.py": KPI_V1,
                "tests/test_kpi.py": src('''
                    from reports.kpi import team_kpis

                    TICKETS = [
                        {"team": "eu", "first_response_min": 12},
                        {"team": "eu", "first_response_min": 4},
                        {"team": "us", "first_response_min": None},
                    ]


                    def test_team_kpis():
                        out = team_kpis("eu", TICKETS)
                        assert out["tickets"] == 2 and out["answered"] == 2
                '''),
            },
            deploy="production",
        ),
        Commit(
            "KPIs: fastest and slowest first response",
            "fay",
            edits=[
                Edit(
                    "reports/kpi.py",
                    '        "answered": len(responses),\n',
                    '        "answered": len(responses),\n'
                    '        "fastest_min": min(responses),\n'
                    '        "slowest_min": max(responses),\n',
                ),
                Edit(
                    "tests/test_kpi.py",
                    '    assert out["tickets"] == 2 and out["answered"] == 2\n',
                    '    assert out["tickets"] == 2 and out["answered"] == 2\n'
                    '    assert (out["fastest_min"], out["slowest_min"]) == (4, 12)\n',
                ),
            ],
            deploy="production",
            hours=25,
        ),
        Commit(
            "KPIs: count unanswered tickets",
            "hana",
            edits=[
                Edit(
                    "reports/kpi.py",
                    '        "answered": len(responses),\n',
                    '        "answered": len(responses),\n'
                    '        "unanswered": len(mine) - len(responses),\n',
                )
            ],
            deploy="production",
            hours=20,
        ),
    ],
    culprit=1,
    crash=Crash(
        target="reports.kpi:team_kpis",
        args='"apac", [{"team": "apac", "first_response_min": None}, {"team": "eu", "first_response_min": 9}]',
        tags={"transaction": "GET /reports/support/{team}"},
    ),
    files=["reports/kpi.py"],
    functions=["team_kpis"],
    judge=src('''
        from reports.kpi import team_kpis


        def test_team_without_answers():
            out = team_kpis("apac", [{"team": "apac", "first_response_min": None}])
            assert out["tickets"] == 1 and out["answered"] == 0 and out["unanswered"] == 1
            assert out["fastest_min"] is None and out["slowest_min"] is None


        def test_team_with_answers():
            out = team_kpis("eu", [{"team": "eu", "first_response_min": 12}, {"team": "eu", "first_response_min": 4}])
            assert (out["fastest_min"], out["slowest_min"]) == (4, 12)
    '''),
    fix=[
        Edit(
            "reports/kpi.py",
            '        "fastest_min": min(responses),\n'
            '        "slowest_min": max(responses),\n',
            '        "fastest_min": min(responses, default=None),\n'
            '        "slowest_min": max(responses, default=None),\n',
        )
    ],
    tags=["ValueError", "empty-collection", "regression"],
)

CONVERSION_V1 = src('''
    """Daily conversion report mailed to marketing."""

    import logging

    log = logging.getLogger("reports.conversion")


    def conversion_rate(visits, orders):
        return round(100.0 * orders / visits, 1)


    def daily_rows(stats):
        return [
            {"day": day, "rate": conversion_rate(s["visits"], s["orders"])}
            for day, s in sorted(stats.items())
        ]


    def run(stats=None):
        stats = stats if stats is not None else {
            "2026-11-17": {"visits": 1200, "orders": 30},
            "2026-11-18": {"visits": 0, "orders": 0},
            "2026-11-19": {"visits": 980, "orders": 21},
        }
        rows = daily_rows(stats)
        log.info("conversion report: %d days", len(rows))
        return rows
''')

conversion_zero = Case(
    id="reports-conversion-zero-visits",
    title="Daily conversion report failed: ZeroDivisionError on a day without traffic",
    source="pagerduty",
    service="reports-daily",
    start="2026-10-12T10:00:00",
    commits=[
        Commit(
            "Daily conversion report",
            "chen",
            files={
                "reports/__init__.py": INIT,
                "reports/conversion.py": CONVERSION_V1,
                "tests/test_conversion.py": src('''
                    from reports.conversion import conversion_rate, daily_rows


                    def test_rate():
                        assert conversion_rate(200, 5) == 2.5


                    def test_rows_sorted():
                        rows = daily_rows({"b": {"visits": 10, "orders": 1}, "a": {"visits": 4, "orders": 1}})
                        assert [r["day"] for r in rows] == ["a", "b"]
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Conversion: include order counts in the rows",
            "ana",
            edits=[
                Edit(
                    "reports/conversion.py",
                    '        {"day": day, "rate": conversion_rate(s["visits"], s["orders"])}\n',
                    '        {"day": day, "orders": s["orders"], "rate": conversion_rate(s["visits"], s["orders"])}\n',
                )
            ],
            deploy="production",
            hours=150,
        ),
        Commit(
            "Conversion: document the report",
            "chen",
            files={"README.md": src("# reports-daily\n\nMails the conversion report at 06:00 UTC.")},
            deploy="production",
            hours=200,
        ),
    ],
    culprit=None,
    crash=Crash(target="reports.conversion:run"),
    log_lines=["INFO reports.daily building conversion report for 3 days"],
    files=["reports/conversion.py"],
    functions=["conversion_rate"],
    judge=src('''
        from reports.conversion import conversion_rate, run


        def test_zero_visits_is_zero_rate():
            assert conversion_rate(0, 0) == 0.0


        def test_report_runs():
            rows = run()
            assert [r["rate"] for r in rows] == [2.5, 0.0, 2.1]
            assert rows[0]["orders"] == 30
    '''),
    fix=[
        Edit(
            "reports/conversion.py",
            "    return round(100.0 * orders / visits, 1)\n",
            "    if not visits:\n        return 0.0\n    return round(100.0 * orders / visits, 1)\n",
        )
    ],
    tags=["ZeroDivisionError", "empty-collection", "predates-history"],
)

PAGES_V1 = src('''
    """Pagination of long reports."""

    import math


    def page_count(total, per_page):
        return max(math.ceil(total / per_page), 1)


    def page(rows, number, per_page):
        """Rows of 1-based page `number`."""
        start = (number - 1) * per_page
        return rows[start : start + per_page]
''')

ci_pages = Case(
    id="reports-ci-page-count",
    title="CI failure: the last partial page of a report is lost",
    source="ci",
    service="reports",
    start="2026-11-04T08:00:00",
    commits=[
        Commit(
            "Report pagination",
            "gus",
            files={
                "reports/__init__.py": INIT,
                "reports/pages.py": PAGES_V1,
                "tests/test_pages.py": src('''
                    from reports.pages import page, page_count


                    def test_page_count():
                        assert page_count(0, 20) == 1
                        assert page_count(40, 20) == 2
                        assert page_count(41, 20) == 3


                    def test_pages():
                        rows = list(range(45))
                        assert page(rows, 3, 20) == list(range(40, 45))
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Pages: link header values",
            "eli",
            edits=[
                Edit(
                    "reports/pages.py",
                    "def page(rows, number, per_page):\n",
                    "def links(number, total, per_page):\n"
                    "    last = page_count(total, per_page)\n"
                    '    out = {"first": 1, "last": last}\n'
                    "    if number < last:\n"
                    '        out["next"] = number + 1\n'
                    "    if number > 1:\n"
                    '        out["prev"] = number - 1\n'
                    "    return out\n\n\n"
                    "def page(rows, number, per_page):\n",
                )
            ],
            deploy="production",
            hours=26,
        ),
        Commit(
            "Pages: integer arithmetic, no float division",
            "dora",
            edits=[
                Edit(
                    "reports/pages.py",
                    "    return max(math.ceil(total / per_page), 1)\n",
                    "    return max(total // per_page, 1)\n",
                )
            ],
            deploy="production",
            hours=22,
        ),
    ],
    culprit=2,
    files=["reports/pages.py"],
    functions=["page_count"],
    judge=src('''
        from reports.pages import links, page_count


        def test_counts():
            assert page_count(0, 20) == 1
            assert page_count(20, 20) == 1
            assert page_count(21, 20) == 2
            assert page_count(45, 20) == 3


        def test_links_reach_last_page():
            assert links(2, 45, 20) == {"first": 1, "last": 3, "next": 3, "prev": 1}
    '''),
    fix=[
        Edit(
            "reports/pages.py",
            "    return max(total // per_page, 1)\n",
            "    return max(-(-total // per_page), 1)\n",
        )
    ],
    tags=["off-by-one", "logic", "regression"],
)

EXPORT_V1 = src('''
    """JSON export of the revenue report for the BI tool."""

    import json


    def rows(orders):
        out = []
        for o in orders:
            out.append({"id": o["id"], "total": o["total"], "placed_on": o["placed_on"]})
        return out


    def export(orders):
        return json.dumps({"rows": rows(orders)}, sort_keys=True)
''')

json_library_frame = Case(
    id="reports-export-json-date",
    title="TypeError: Object of type date is not JSON serializable (raised inside json)",
    source="sentry",
    service="reports",
    start="2026-11-05T10:20:00",
    commits=[
        Commit(
            "Revenue JSON export",
            "ana",
            files={
                "reports/__init__.py": INIT,
                "reports/export.py": EXPORT_V1,
                "tests/test_export.py": src('''
                    import json

                    from reports.export import export


                    def test_export():
                        data = json.loads(export([{"id": 1, "total": 9.5, "placed_on": "2026-11-02"}]))
                        assert data == {"rows": [{"id": 1, "placed_on": "2026-11-02", "total": 9.5}]}
                '''),
            },
            deploy="production",
        ),
        Commit(
            "Export: include the currency",
            "ben",
            edits=[
                Edit(
                    "reports/export.py",
                    '        out.append({"id": o["id"], "total": o["total"], "placed_on": o["placed_on"]})\n',
                    "        out.append(\n"
                    "            {\n"
                    '                "id": o["id"],\n'
                    '                "total": o["total"],\n'
                    '                "currency": o.get("currency", "EUR"),\n'
                    '                "placed_on": o["placed_on"],\n'
                    "            }\n"
                    "        )\n",
                ),
                Edit("tests/test_export.py", '"placed_on": "2026-11-02", "total"', '"currency": "EUR", "placed_on": "2026-11-02", "total"'),
            ],
            deploy="production",
            hours=26,
        ),
        Commit(
            "Export: read orders from the warehouse table\n\n"
            "The orders table returns real dates now instead of strings.",
            "fay",
            edits=[
                Edit(
                    "reports/export.py",
                    '"""JSON export of the revenue report for the BI tool."""\n\nimport json\n',
                    '"""JSON export of the revenue report for the BI tool."""\n\nimport json\n'
                    "from datetime import date\n\n\n"
                    "def from_warehouse(records):\n"
                    '    """Warehouse rows are (id, total, currency, placed_on as a date)."""\n'
                    "    return [\n"
                    '        {"id": r[0], "total": r[1], "currency": r[2], "placed_on": r[3]}\n'
                    "        for r in records\n"
                    "        if isinstance(r[3], date)\n"
                    "    ]\n",
                ),
                Edit(
                    "reports/export.py",
                    "def export(orders):\n",
                    "def export_warehouse(records):\n"
                    "    return export(from_warehouse(records))\n\n\n"
                    "def export(orders):\n",
                ),
            ],
            deploy="production",
            hours=30,
        ),
    ],
    culprit=2,
    crash=Crash(
        target="reports.export:export_warehouse",
        args='[(101, 59.9, "EUR", date(2026, 11, 9)), (102, 12.0, "EUR", date(2026, 11, 10))]',
        tags={"transaction": "GET /exports/revenue.json"},
    ),
    files=["reports/export.py"],
    functions=["export", "rows", "from_warehouse"],
    judge=src('''
        import json
        from datetime import date

        from reports.export import export, export_warehouse


        def test_warehouse_export_uses_iso_dates():
            out = json.loads(export_warehouse([(101, 59.9, "EUR", date(2026, 11, 9))]))
            assert out == {"rows": [{"currency": "EUR", "id": 101, "placed_on": "2026-11-09", "total": 59.9}]}


        def test_string_dates_still_work():
            out = json.loads(export([{"id": 1, "total": 9.5, "placed_on": "2026-11-02"}]))
            assert out["rows"][0]["placed_on"] == "2026-11-02"
    '''),
    fix=[
        Edit(
            "reports/export.py",
            '                "placed_on": o["placed_on"],\n',
            '                "placed_on": str(o["placed_on"]),\n',
        )
    ],
    tags=["TypeError", "types", "library-frame", "hard", "regression"],
)

CASES = [
    pad(date_parse, "makefile", "changelog"),
    pad(kpi_min_empty, "ci"),
    pad(conversion_zero, "version"),
    ci_pages,
    pad(json_library_frame, "health"),
]
