#!/bin/sh
# Builds the blind-reports-page-size-default-zero repository in "$1": 4 commits.
# Written by evals/blind (python -m evals.blind generate); edit the spec there, not this file.
set -eu
mkdir -p "$1"
cd "$1"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 TZ=UTC LC_ALL=C
git init -q -b main .

commit() {  # author name, author email, date; the message on stdin
    git add -A
    GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" GIT_AUTHOR_DATE="$3" \
    GIT_COMMITTER_NAME="$1" GIT_COMMITTER_EMAIL="$2" GIT_COMMITTER_DATE="$3" \
        git -c commit.gpgsign=false commit -q --cleanup=verbatim -F -
}

deploy() {  # number, date: an annotated tag whose tagger date is the deploy time
    GIT_COMMITTER_NAME="Deploy Bot" GIT_COMMITTER_EMAIL="deploy-bot@acme.test" \
    GIT_COMMITTER_DATE="$2" git -c tag.gpgsign=false tag -a "deploy-$1" -m "environment=production
deployed reports by the release pipeline"
}

# --- commit 1: Reports: paged plain-text rendering
mkdir -p reports
cat > reports/__init__.py <<'__BLIND_EOF__'
"""Tenant reports."""
__BLIND_EOF__
mkdir -p reports
cat > reports/pages.py <<'__BLIND_EOF__'
"""Splitting report rows into pages."""

import math

PAGE_SIZE = 25  # rows per page of every report


def page_count(total_rows: int, page_size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(total_rows / page_size))


def page(rows: list, number: int, page_size: int = PAGE_SIZE) -> list:
    """Rows of 1-based page `number`."""
    start = (number - 1) * page_size
    return rows[start:start + page_size]
__BLIND_EOF__
mkdir -p reports
cat > reports/render.py <<'__BLIND_EOF__'
"""Plain-text rendering of a report page."""

from reports.pages import page, page_count


def render(title: str, rows: list[tuple[str, int]], number: int) -> str:
    lines = [f"{title} - page {number} of {page_count(len(rows))}"]
    lines += [f"{name:<20}{value:>10}" for name, value in page(rows, number)]
    return "\n".join(lines)
__BLIND_EOF__
mkdir -p tests
cat > tests/test_pages.py <<'__BLIND_EOF__'
from reports.pages import page, page_count


def test_page_count():
    assert page_count(0) == 1 and page_count(25) == 1 and page_count(26) == 2


def test_page():
    assert page(list(range(30)), 2) == list(range(25, 30))
__BLIND_EOF__
commit 'Tomas Ferreira' tomas.ferreira@acme.dev 2026-11-02T15:00:00+00:00 <<'__BLIND_EOF__'
Reports: paged plain-text rendering
__BLIND_EOF__
deploy 1 2026-11-02T17:00:00Z

# --- commit 2: README: what the reports service does
cat > README.md <<'__BLIND_EOF__'
# reports

Plain-text reports, 25 rows per page.
__BLIND_EOF__
commit 'Amara Okafor' amara.okafor@acme.dev 2026-11-09T10:30:00+00:00 <<'__BLIND_EOF__'
README: what the reports service does
__BLIND_EOF__
deploy 2 2026-11-09T12:00:00Z

# --- commit 3: Tenants choose their report page size
mkdir -p reports
cat > reports/pages.py <<'__BLIND_EOF__'
"""Splitting report rows into pages."""

import math


def page_count(total_rows: int, page_size: int) -> int:
    return max(1, math.ceil(total_rows / page_size))


def page(rows: list, number: int, page_size: int) -> list:
    """Rows of 1-based page `number`."""
    start = (number - 1) * page_size
    return rows[start:start + page_size]
__BLIND_EOF__
mkdir -p reports
cat > reports/tenants.py <<'__BLIND_EOF__'
"""Per-tenant report settings."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TenantSettings:
    name: str
    page_size: int = 0  # rows per report page; tenants that do not choose get the standard 25
    currency: str = "EUR"
__BLIND_EOF__
mkdir -p reports
cat > reports/render.py <<'__BLIND_EOF__'
"""Plain-text rendering of a report page."""

from reports.pages import page, page_count
from reports.tenants import TenantSettings


def render(title: str, rows: list[tuple[str, int]], number: int,
           tenant: TenantSettings) -> str:
    size = tenant.page_size
    lines = [f"{title} - page {number} of {page_count(len(rows), size)}"]
    lines += [f"{name:<20}{value:>10}" for name, value in page(rows, number, size)]
    return "\n".join(lines)
__BLIND_EOF__
mkdir -p tests
cat > tests/test_pages.py <<'__BLIND_EOF__'
from reports.pages import page, page_count


def test_page_count():
    assert page_count(0, 25) == 1 and page_count(25, 25) == 1 and page_count(26, 25) == 2


def test_page():
    assert page(list(range(30)), 2, 25) == list(range(25, 30))
__BLIND_EOF__
mkdir -p tests
cat > tests/test_render.py <<'__BLIND_EOF__'
from reports.render import render
from reports.tenants import TenantSettings


def test_tenant_page_size():
    rows = [(f"r{n}", n) for n in range(120)]
    out = render("Usage", rows, 1, TenantSettings("acme", page_size=100))
    assert out.splitlines()[0] == "Usage - page 1 of 2"
__BLIND_EOF__
commit 'Priya Raman' priya.raman@acme.dev 2026-11-19T14:10:00+00:00 <<'__BLIND_EOF__'
Tenants choose their report page size

Enterprise tenants asked for longer pages. The size now comes from the
tenant's settings; the module constant is gone.
__BLIND_EOF__

# --- commit 4: Changelog for 2.3
cat > CHANGELOG.md <<'__BLIND_EOF__'
# 2.3

- Tenants may choose their report page size.
__BLIND_EOF__
commit 'Maya Lindqvist' maya.lindqvist@acme.dev 2026-11-20T09:00:00+00:00 <<'__BLIND_EOF__'
Changelog for 2.3
__BLIND_EOF__
deploy 3 2026-11-20T10:00:00Z
