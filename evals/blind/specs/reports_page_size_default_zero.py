"""blind-reports-page-size-default-zero (sentry)."""

from __future__ import annotations

from evals.blind.model import Case, Commit, Edit, WrongFix
from evals.blind.people import AMARA, MAYA, PRIYA, TOMAS

_RP_PAGES_1 = '''"""Splitting report rows into pages."""

import math

PAGE_SIZE = 25  # rows per page of every report


def page_count(total_rows: int, page_size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(total_rows / page_size))


def page(rows: list, number: int, page_size: int = PAGE_SIZE) -> list:
    """Rows of 1-based page `number`."""
    start = (number - 1) * page_size
    return rows[start:start + page_size]
'''

_RP_RENDER_1 = '''"""Plain-text rendering of a report page."""

from reports.pages import page, page_count


def render(title: str, rows: list[tuple[str, int]], number: int) -> str:
    lines = [f"{title} - page {number} of {page_count(len(rows))}"]
    lines += [f"{name:<20}{value:>10}" for name, value in page(rows, number)]
    return "\\n".join(lines)
'''

_RP_PAGES_3 = '''"""Splitting report rows into pages."""

import math


def page_count(total_rows: int, page_size: int) -> int:
    return max(1, math.ceil(total_rows / page_size))


def page(rows: list, number: int, page_size: int) -> list:
    """Rows of 1-based page `number`."""
    start = (number - 1) * page_size
    return rows[start:start + page_size]
'''

_RP_TENANTS = '''"""Per-tenant report settings."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TenantSettings:
    name: str
    page_size: int = 0  # rows per report page; tenants that do not choose get the standard 25
    currency: str = "EUR"
'''

_RP_RENDER_3 = '''"""Plain-text rendering of a report page."""

from reports.pages import page, page_count
from reports.tenants import TenantSettings


def render(title: str, rows: list[tuple[str, int]], number: int,
           tenant: TenantSettings) -> str:
    size = tenant.page_size
    lines = [f"{title} - page {number} of {page_count(len(rows), size)}"]
    lines += [f"{name:<20}{value:>10}" for name, value in page(rows, number, size)]
    return "\\n".join(lines)
'''

_RP_JUDGE = '''from reports.render import render
from reports.tenants import TenantSettings

ROWS = [(f"sku-{n:03d}", n) for n in range(60)]


def test_standard_page_size_is_25():
    out = render("Sales", ROWS, 1, TenantSettings("globex")).splitlines()
    assert out[0] == "Sales - page 1 of 3"
    assert len(out) == 26 and out[-1].startswith("sku-024")


def test_last_standard_page_holds_the_rest():
    out = render("Sales", ROWS, 3, TenantSettings("globex")).splitlines()
    assert out[0] == "Sales - page 3 of 3" and len(out) == 11


def test_a_tenant_may_choose_its_page_size():
    out = render("Sales", ROWS, 2, TenantSettings("acme", page_size=50)).splitlines()
    assert out[0] == "Sales - page 2 of 2" and len(out) == 11
'''

CASE = Case(
    id="blind-reports-page-size-default-zero",
    title="ZeroDivisionError: division by zero in page_count",
    source="sentry", service="reports", received_at="2026-11-21T06:02:00Z",
    tags=("ZeroDivisionError", "wrong-literal", "default-value", "configuration",
          "regression"),
    commits=(
        Commit("Reports: paged plain-text rendering", TOMAS, "2026-11-02T15:00:00+00:00", {
            "reports/__init__.py": '"""Tenant reports."""\n',
            "reports/pages.py": _RP_PAGES_1,
            "reports/render.py": _RP_RENDER_1,
            "tests/test_pages.py": '''from reports.pages import page, page_count


def test_page_count():
    assert page_count(0) == 1 and page_count(25) == 1 and page_count(26) == 2


def test_page():
    assert page(list(range(30)), 2) == list(range(25, 30))
''',
        }, deploy="2026-11-02T17:00:00Z"),
        Commit("README: what the reports service does", AMARA, "2026-11-09T10:30:00+00:00", {
            "README.md": "# reports\n\nPlain-text reports, 25 rows per page.\n",
        }, deploy="2026-11-09T12:00:00Z"),
        Commit("Tenants choose their report page size\n\n"
               "Enterprise tenants asked for longer pages. The size now comes from the\n"
               "tenant's settings; the module constant is gone.\n", PRIYA,
               "2026-11-19T14:10:00+00:00", {
            "reports/pages.py": _RP_PAGES_3,
            "reports/tenants.py": _RP_TENANTS,
            "reports/render.py": _RP_RENDER_3,
            "tests/test_pages.py": '''from reports.pages import page, page_count


def test_page_count():
    assert page_count(0, 25) == 1 and page_count(25, 25) == 1 and page_count(26, 25) == 2


def test_page():
    assert page(list(range(30)), 2, 25) == list(range(25, 30))
''',
            "tests/test_render.py": '''from reports.render import render
from reports.tenants import TenantSettings


def test_tenant_page_size():
    rows = [(f"r{n}", n) for n in range(120)]
    out = render("Usage", rows, 1, TenantSettings("acme", page_size=100))
    assert out.splitlines()[0] == "Usage - page 1 of 2"
''',
        }),
        Commit("Changelog for 2.3", MAYA, "2026-11-20T09:00:00+00:00", {
            "CHANGELOG.md": "# 2.3\n\n- Tenants may choose their report page size.\n",
        }, deploy="2026-11-20T10:00:00Z"),
    ),
    culprit=3, files=("reports/tenants.py",), functions=(),
    judge=_RP_JUDGE,
    crash='''from reports.render import render
from reports.tenants import TenantSettings

rows = [("Espresso machine", 14), ("Grinder", 9), ("Kettle", 31)]
render("Weekly sales", rows, 1, TenantSettings("globex"))
''',
    fix=(Edit("reports/tenants.py", "page_size: int = 0", "page_size: int = 25"),),
    wrong_fixes=(
        WrongFix("guards the division: one page, and page() then shows no rows", (
            Edit("reports/pages.py", "    return max(1, math.ceil(total_rows / page_size))",
                 "    if not page_size:\n        return 1\n"
                 "    return max(1, math.ceil(total_rows / page_size))"),
        )),
        WrongFix("a default of 1 row per page", (
            Edit("reports/tenants.py", "page_size: int = 0", "page_size: int = 1"),
        )),
    ),
    summary={"bug": "TenantSettings.page_size defaults to 0 (it replaced PAGE_SIZE = 25); "
                    "tenants without a choice divide by zero",
             "fix": "default 25 (the comment, README and the removed constant say so)",
             "trap": "a zero guard in page_count (no crash, but pages are empty); "
                     "any other default"},
)
