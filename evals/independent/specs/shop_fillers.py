"""Shop: unrelated commits any shop case may use."""

from __future__ import annotations

from evals.independent.model import Commit, Write, dedent

HEALTH = Commit("Add health payload for the load balancer", (
    Write("shop/health.py", dedent('''
        """What /healthz answers."""

        from __future__ import annotations

        import platform

        VERSION = "1.4"


        def health() -> dict:
            return {"ok": True, "version": VERSION, "python": platform.python_version()}
        ''')),
    Write("tests/test_health.py", dedent('''
        from shop.health import health


        def test_health_is_ok():
            assert health()["ok"] is True
        ''')),
), author="Marco Levi <marco@acme.test>")

EXPORT = Commit("CSV export of orders for accounting", (
    Write("shop/export.py", dedent('''
        """CSV export for the accounting team."""

        from __future__ import annotations

        import csv
        import io


        def orders_csv(orders: list[dict]) -> str:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\\n")
            writer.writerow(["id", "status", "currency", "total_cents"])
            for order in sorted(orders, key=lambda o: o["id"]):
                writer.writerow([order["id"], order["status"], order["currency"],
                                 order["total_cents"]])
            return out.getvalue()
        ''')),
    Write("tests/test_export.py", dedent('''
        from shop.export import orders_csv


        def test_header_and_rows():
            rows = orders_csv([{"id": 2, "status": "placed", "currency": "EUR",
                                "total_cents": 5}]).splitlines()
            assert rows == ["id,status,currency,total_cents", "2,placed,EUR,5"]
        ''')),
), author="Marco Levi <marco@acme.test>")

CI = Commit("CI: run the tests on every push", (
    Write(".github/workflows/tests.yml", dedent('''
        name: tests
        on: [push, pull_request]
        jobs:
          tests:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-python@v5
                with:
                  python-version: "3.11"
              - run: pip install pytest
              - run: python -m pytest -q
        ''')),
), author="Priya Raman <priya@acme.test>")

RUNBOOK = Commit("Docs: on-call runbook", (
    Write("docs/runbook.md", dedent('''
        # On-call runbook

        - Mail not going out: check the relay settings in the deploy environment.
        - Nightly report missing: re-run `ShopService().nightly_report()` from a shell.
        - Refund disputes: refunds are appended to the order's `refunds` list.
        ''')),
), author="Sam Okafor <sam@acme.test>")
