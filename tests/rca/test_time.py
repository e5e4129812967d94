"""Time is evidence: the first sighting against the deploy times decides between a commit
that ran clean for weeks and one shipped just before the fault; the latent case is said."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from agent.nodes.base import text
from agent.rca.analyse import Options, analyse
from agent.rca.window import ci_window
from tests.rca.history import History
from tools.ports import Alert

OPTIONS = Options(default_ref="main", prefixes=["/srv/app/"])

ORDERS = '''def order_record(row):
    return {"id": row["id"], "user": row["uid"], "total": row["total"]}
'''
BILLING = '''from shop.orders import order_record


def invoice_line(row):
    order = order_record(row)
    return f"{order['id']}: {order['total']}"
'''
# The decoy: weeks before the fault, the crashing line itself was written, reading "user".
BILLING_WITH_USER = '''from shop.orders import order_record


def invoice_line(row):
    order = order_record(row)
    owner = order["user"]
    return f"{order['id']} for {owner}: {order['total']}"
'''


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path / "shop")


def _first_seen(alert: Alert, when_minutes_after_last_deploy: int, history: History) -> Alert:
    """The alert as a monitor that knows the issue's first-seen would give it; the event
    itself is a later occurrence."""
    last = history.deploys()[-1].deployed_at
    return alert.model_copy(update={
        "first_seen": last + timedelta(minutes=when_minutes_after_last_deploy),
        "occurred_at": last + timedelta(days=1)})


def test_a_window_rename_outranks_a_decoy_that_ran_clean_for_weeks(history: History) -> None:
    history.commit("Orders and billing", {"shop/__init__.py": "", "shop/orders.py": ORDERS,
                                          "shop/billing.py": BILLING})
    history.deploy()
    decoy = history.commit("Billing: name the order's owner on the invoice",
                           {"shop/billing.py": BILLING_WITH_USER}, author="Dana Kim")
    history.deploy()
    history.clock += timedelta(days=21)  # deploy-2 runs three weeks without this error
    culprit = history.edit("Orders: user_id, as the API calls it", "shop/orders.py",
                           '"user": row["uid"]', '"user_id": row["uid"]', author="Ben Okafor")
    history.deploy()
    alert = _first_seen(history.alert("KeyError", "'user'", [
        history.frame("shop/billing.py", "invoice_line", 'owner = order["user"]')]), 40, history)

    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)

    top, second = rc.suspects[0], rc.suspects[1]
    assert (top.sha, second.sha) == (culprit, decoy)
    assert second.score > top.score  # on the code alone the decoy would have won
    assert "renames-name-in-error" in top.kinds and "in-window" in top.kinds
    assert [(r.old, r.new, r.kind, r.path) for r in top.renames] == [
        ("user", "user_id", "key", "shop/orders.py")]
    assert "renamed: 'user' → 'user_id' (key, named in the exception) in shop/orders.py" \
        in top.evidence
    assert "ran-clean" in second.kinds
    assert top.timing == "shipped in deploy-3, 40 min before the first sighting"
    assert second.timing.startswith("ran 21 days in production (since deploy-2) without")
    assert not rc.latent and rc.first_seen_known and rc.first_seen == alert.first_seen
    assert (f"Ranked first: shipped in deploy-3, 40 min before the first sighting "
            f"(first seen {alert.first_seen:%Y-%m-%d %H:%M} UTC, the Sentry issue's "
            "first-seen); its diff renames 'user' to 'user_id' (key, shop/orders.py); "
            f"deploy-2's commit `{decoy[:10]}` ran 21 days") in rc.explanation
    assert "despite a higher score" in rc.explanation
    assert "Ranked first" in text("root_cause.md.j2", rc=rc)


def test_without_a_first_seen_the_event_time_stands_in(history: History) -> None:
    history.commit("Orders and billing", {"shop/__init__.py": "", "shop/orders.py": ORDERS,
                                          "shop/billing.py": BILLING})
    history.deploy()
    decoy = history.commit("Billing: owner", {"shop/billing.py": BILLING_WITH_USER})
    history.deploy()
    history.clock += timedelta(days=3)
    culprit = history.edit("Orders: user_id", "shop/orders.py", '"user": row["uid"]',
                           '"user_id": row["uid"]')
    history.deploy()
    alert = history.alert("KeyError", "'user'", [
        history.frame("shop/billing.py", "invoice_line", 'owner = order["user"]')])
    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)
    assert [s.sha for s in rc.suspects[:2]] == [culprit, decoy]
    assert not rc.first_seen_known and rc.first_seen == alert.occurred_at
    assert "no first-seen known: the event at" in rc.explanation
    assert rc.suspects[1].timing.endswith("before this event")


STOCK = '''def reorder_level(item):
    return item["min"] * 2


def plan(items):
    return [reorder_level(i) for i in items]
'''


def test_the_latent_case_ranks_the_old_change_and_says_latent(history: History) -> None:
    history.commit("Stock planning", {"inv/__init__.py": "", "inv/stock.py": STOCK,
                                      "inv/other.py": "X = 1\n"})
    history.deploy()
    old = history.edit("Stock: safety factor from the item", "inv/stock.py",
                       'return item["min"] * 2', 'return item["min"] * item["safety"]')
    history.deploy()
    history.clock += timedelta(days=30)  # a month without the error
    history.commit("Other: bump", {"inv/other.py": "X = 2\n"})
    history.commit("Docs", {"README.md": "inv\n"})
    history.deploy()
    alert = _first_seen(history.alert("KeyError", "'safety'", [
        history.frame("inv/stock.py", "plan", "reorder_level(i) for i"),
        history.frame("inv/stock.py", "reorder_level", 'item["safety"]')]), 180, history)

    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)

    assert rc.suspects[0].sha == old and not rc.no_culprit_in_history
    assert rc.latent and "ran-clean" in rc.suspects[0].kinds
    assert "Latent bug" in rc.explanation and "new data or configuration" in rc.explanation
    assert f"`{old[:10]}` ranks first on its code evidence; it ran 30 days" in rc.explanation
    assert "latent" in text("root_cause.md.j2", rc=rc).lower()


def test_a_commit_shipped_after_the_first_sighting_is_not_the_origin(
        history: History) -> None:
    history.commit("Orders and billing", {"shop/__init__.py": "", "shop/orders.py": ORDERS,
                                          "shop/billing.py": BILLING_WITH_USER})
    history.deploy()
    history.clock += timedelta(days=2)
    culprit = history.edit("Orders: user_id", "shop/orders.py", '"user": row["uid"]',
                           '"user_id": row["uid"]')
    history.deploy()
    first_seen = history.clock + timedelta(minutes=20)
    history.clock += timedelta(hours=2)
    # After the fault appeared, someone edits the crashing line itself (it keeps failing).
    later = history.edit("Billing: comment the owner", "shop/billing.py",
                         'owner = order["user"]', 'owner = order["user"]  # the account')
    history.deploy()
    alert = history.alert("KeyError", "'user'", [
        history.frame("shop/billing.py", "invoice_line", 'owner = order["user"]')])
    alert = alert.model_copy(update={"first_seen": first_seen})
    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)
    assert rc.suspects[0].sha == culprit
    assert rc.running_deploy and rc.running_deploy.name == "deploy-2"
    after = next(s for s in rc.suspects if s.sha == later)
    assert "crash-line" in after.kinds and "after-first-sighting" in after.kinds
    assert after.timing == ("shipped in deploy-3, 3 h after the first sighting: the fault "
                            "was already there")


def test_a_ci_window_runs_from_the_last_deploy_to_the_commit_ci_ran(history: History) -> None:
    history.commit("Orders and billing", {"shop/__init__.py": "", "shop/orders.py": ORDERS,
                                          "shop/billing.py": BILLING})
    history.deploy()
    deployed = history.commit("Billing: owner", {"shop/billing.py": BILLING_WITH_USER})
    history.deploy()
    pushed = [history.commit("Docs", {"README.md": "shop\n"}),
              history.edit("Orders: user_id", "shop/orders.py", '"user": row', '"user_id": row')]
    window = ci_window(history.repo, history.head, history.deploys())
    assert window.commits == pushed and window.good and window.good.name == "deploy-2"
    assert window.bad is None and window.end_sha == history.head
    history.deploy()  # the commit CI ran is deployed: the window is that deploy's
    window = ci_window(history.repo, history.head, history.deploys())
    assert window.commits == pushed and window.bad and window.bad.name == "deploy-3"
    assert deployed not in window.commits


BOOK = '''class AccountBook:
    def __init__(self):
        self.accounts = {}

    def get(self, key):
        return self.accounts[key]
'''
TRANSFERS = '''def execute(book, src_id, dst_id, amount):
    src = book.get(src_id)
    dst = book.get(dst_id)
    log = f"{src_id} -> {dst_id}"
    return (src.currency, dst.currency, amount, log)
'''


def test_a_changed_return_off_the_stack_is_a_producer(history: History) -> None:
    history.commit("Ledger", {"led/__init__.py": "", "led/accounts.py": BOOK,
                              "led/transfers.py": TRANSFERS})
    history.deploy()
    history.clock += timedelta(days=10)
    old = history.edit("Transfers: log line", "led/transfers.py", 'f"{src_id} -> {dst_id}"',
                       'f"{src_id} => {dst_id}"')
    history.deploy()
    history.clock += timedelta(days=10)
    culprit = history.edit("Accounts: None when absent", "led/accounts.py",
                           "return self.accounts[key]", "return self.accounts.get(key)")
    history.deploy()
    alert = _first_seen(history.alert(
        "AttributeError", "'NoneType' object has no attribute 'currency'", [
            history.frame("led/transfers.py", "execute", "return (src.currency")]), 30, history)
    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)
    assert rc.suspects[0].sha == culprit and "changed-callee" in rc.suspects[0].kinds
    assert any("changed what `AccountBook.get` (led/accounts.py) returns" in line
               for line in rc.suspects[0].evidence)
    assert rc.suspects[0].sha != old
