"""RCA on histories with known culprits: each test builds the repository it needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.nodes.base import text
from agent.rca.analyse import NothingToAnalyse, Options, analyse
from tests.rca.history import History

OPTIONS = Options(default_ref="main", prefixes=["/srv/app/"])

MODELS = '''class Item:
    def __init__(self, sku, qty, price):
        self.sku = sku
        self.qty = qty
        self.price = price
'''
STOCK = '''from inv.models import Item


def stock_value(items):
    total = 0
    for item in items:
        total += item.qty * item.price
    return total


def report(items):
    return {"value": stock_value(items)}
'''


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path / "svc")


def test_a_rename_in_another_file_is_found_by_the_attribute_in_the_message(
        history: History) -> None:
    history.commit("Inventory models and stock value", {
        "inv/__init__.py": "", "inv/models.py": MODELS, "inv/stock.py": STOCK})
    history.deploy()
    culprit = history.commit("Models: rename qty to quantity", {
        "inv/models.py": MODELS.replace("self.qty = qty", "self.quantity = qty")})
    history.commit("README", {"README.md": "# inv\n"})
    history.deploy()
    alert = history.alert("AttributeError", "'Item' object has no attribute 'qty'", [
        history.frame("inv/stock.py", "report", "stock_value(items)"),
        history.frame("inv/stock.py", "stock_value", "item.qty * item.price")])
    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)
    assert rc.suspects[0].sha == culprit and not rc.no_culprit_in_history
    assert "renames-name-in-error" in rc.suspects[0].kinds
    assert [(r.old, r.new, r.kind) for r in rc.suspects[0].renames] == [
        ("qty", "quantity", "attribute")]
    assert rc.location and (rc.location.path, rc.location.function) == (
        "inv/stock.py", "stock_value")
    assert rc.running_deploy and rc.running_deploy.name == "deploy-2"


PAYLOAD = '''def customer_payload(row):
    return {"id": row["id"], "name": row["name"], "tier": row.get("tier", "basic")}
'''
PRICING = '''RATES = {"basic": 1.0, "gold": 0.9}


def loyalty_factor(customer):
    return RATES[customer["tier"]]


def price(customer, amount):
    return round(amount * loyalty_factor(customer), 2)
'''


def test_a_payload_schema_change_is_blamed_over_the_untouched_crash_line(
        history: History) -> None:
    history.commit("Customers and pricing", {"svc/payload.py": PAYLOAD,
                                             "svc/pricing.py": PRICING})
    history.deploy()
    history.edit("Pricing: round to cents", "svc/pricing.py", "round(amount * loyalty_factor("
                 "customer), 2)", "round(amount * loyalty_factor(customer), 2)  # cents")
    culprit = history.edit("Payload v2: send the tier only to partners", "svc/payload.py",
                           ', "tier": row.get("tier", "basic")}', "}", author="Ben Okafor")
    history.deploy()
    alert = history.alert("KeyError", "'tier'", [
        history.frame("svc/pricing.py", "price", "loyalty_factor(customer), 2)"),
        history.frame("svc/pricing.py", "loyalty_factor", 'customer["tier"]')])
    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)
    assert rc.suspects[0].sha == culprit
    assert any("`tier`" in line for line in rc.suspects[0].evidence)
    assert rc.suspects[0].author.startswith("Ben Okafor")


USAGE = '''def average(values):
    if not values:
        return 0.0
    return sum(values) / len(values)


def summarize(values):
    return {"avg": average(values)}
'''


def test_a_refactor_of_the_crashing_function_followed_by_unrelated_commits(
        history: History) -> None:
    history.commit("Usage summaries", {"svc/usage.py": USAGE, "svc/other.py": "X = 1\n"})
    history.deploy()
    culprit = history.commit("Usage: simpler average", {"svc/usage.py": USAGE.replace(
        "    if not values:\n        return 0.0\n    return sum(values) / len(values)",
        "    total = sum(values)\n    return total / len(values)")})
    history.commit("Other: bump", {"svc/other.py": "X = 2\n"})
    history.commit("Docs", {"README.md": "usage\n"})
    history.deploy()
    alert = history.alert("ZeroDivisionError", "division by zero", [
        history.frame("svc/usage.py", "summarize", "average(values)}"),
        history.frame("svc/usage.py", "average", "total / len(values)")])
    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)
    assert [s.sha for s in rc.suspects][:1] == [culprit]
    assert {"crash-line", "crash-function"} <= set(rc.suspects[0].kinds)
    assert rc.confidence >= 0.7
    assert "Usage: simpler average" in rc.explanation


def test_a_fault_older_than_the_deploy_window_widens_the_window(history: History) -> None:
    history.commit("Usage summaries", {"svc/usage.py": USAGE, "svc/other.py": "X = 1\n"})
    history.deploy()
    culprit = history.commit("Usage: simpler average", {"svc/usage.py": USAGE.replace(
        "    if not values:\n        return 0.0\n", "")})
    history.deploy()
    history.commit("Other: bump", {"svc/other.py": "X = 2\n"})
    history.deploy()  # the alert fires under this deploy, which did not touch usage.py
    alert = history.alert("ZeroDivisionError", "division by zero", [
        history.frame("svc/usage.py", "average", "sum(values) / len(values)")])
    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)
    assert rc.suspects[0].sha == culprit
    assert culprit in rc.window and "deploy-1" in rc.window_text
    assert rc.suspects[0].deploy == "deploy-2"


REFUNDS = '''VAT = 0.2


def refund_amount(net, share):
    return round(net * (1 + VAT) * share, 2)


def refund(captured, net, share):
    amount = refund_amount(net, share)
    if amount > captured:
        raise ValueError("refund exceeds captured")
    return amount
'''


def test_a_fault_that_predates_the_history_is_said_plainly(history: History) -> None:
    history.commit("Refunds", {"svc/refunds.py": REFUNDS})
    history.deploy()
    history.edit("Refunds: log", "svc/refunds.py", "    amount = refund_amount(net, share)\n",
                 "    amount = refund_amount(net, share)\n    print('refund', amount)\n")
    history.deploy()
    alert = history.alert("ValueError", "refund exceeds captured", [
        history.frame("svc/refunds.py", "refund", "raise ValueError")])
    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)
    assert rc.no_culprit_in_history
    assert "No commit in the repository's history explains it" in rc.explanation
    assert "No culprit in history" in text("root_cause.md.j2", rc=rc)
    assert rc.confidence <= 0.2


def test_a_merged_pull_request_is_named_and_linked(history: History) -> None:
    history.commit("Customers and pricing", {"svc/payload.py": PAYLOAD,
                                             "svc/pricing.py": PRICING})
    history.deploy()
    history.branch("gold-only")
    culprit = history.edit("Pricing: only gold and platinum", "svc/pricing.py",
                           '{"basic": 1.0, "gold": 0.9}', '{"gold": 0.9, "platinum": 0.8}')
    history.checkout("main")
    history.commit("Docs", {"README.md": "svc\n"})
    merge = history.merge("gold-only", 12)
    history.deploy()
    alert = history.alert("KeyError", "'basic'", [
        history.frame("svc/pricing.py", "loyalty_factor", 'customer["tier"]')])
    web = Options(default_ref="main", prefixes=["/srv/app/"],
                  web_url="https://github.com/acme/svc")
    rc = analyse(alert, history.repo, history.deploys(), web)
    top = rc.suspects[0]
    assert top.sha == culprit and top.sha != merge
    assert top.pull_request == 12
    assert top.url == f"https://github.com/acme/svc/commit/{culprit}"
    assert top.pull_request_url == "https://github.com/acme/svc/pull/12"
    body = text("root_cause.md.j2", rc=rc)
    assert "[PR #12](https://github.com/acme/svc/pull/12)" in body
    assert f"[`{culprit[:10]}`](https://github.com/acme/svc/commit/{culprit})" in body


def test_a_squash_merged_pull_request_is_read_from_the_subject(history: History) -> None:
    history.commit("Usage summaries", {"svc/usage.py": USAGE})
    history.deploy()
    culprit = history.commit("Usage: simpler average (#34)", {"svc/usage.py": USAGE.replace(
        "    if not values:\n        return 0.0\n", "")})
    history.deploy()
    alert = history.alert("ZeroDivisionError", "division by zero", [
        history.frame("svc/usage.py", "average", "sum(values) / len(values)")])
    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)
    assert (rc.suspects[0].sha, rc.suspects[0].pull_request) == (culprit, 34)
    assert "through PR #34" in rc.explanation


def test_stale_context_lines_are_flagged(history: History) -> None:
    history.commit("Usage summaries", {"svc/usage.py": USAGE})
    history.deploy()
    frame = history.frame("svc/usage.py", "average", "sum(values) / len(values)")
    frame = frame.model_copy(update={"context_line": "    return mean(values)"})
    rc = analyse(history.alert("ZeroDivisionError", "division by zero", [frame]),
                 history.repo, history.deploys(), OPTIONS)
    assert rc.location and rc.location.stale
    assert any("running code differs" in w for w in rc.warnings)


def test_an_unknown_release_falls_back_to_the_branch_and_warns(history: History) -> None:
    history.commit("Usage summaries", {"svc/usage.py": USAGE})
    alert = history.alert("ZeroDivisionError", "division by zero", [
        history.frame("svc/usage.py", "average", "sum(values) / len(values)")])
    alert = alert.model_copy(update={"release": "svc@9.9.9"})
    rc = analyse(alert, history.repo, [], OPTIONS)
    assert rc.base_sha == history.head
    assert any("svc@9.9.9" in w for w in rc.warnings)


def test_no_frame_in_the_repository_is_nothing_to_analyse(history: History) -> None:
    history.commit("Usage summaries", {"svc/usage.py": USAGE})
    alert = history.alert("ValueError", "x", [])
    with pytest.raises(NothingToAnalyse, match="RCA had nothing to work on"):
        analyse(alert, history.repo, [], OPTIONS)


SPLIT = '''from decimal import Decimal


def split(total, parts):
    total = Decimal(total)
    shares = [(total / parts).quantize(Decimal("0.01"))] * parts
    if sum(shares) != total:
        raise ValueError("shares do not add up")
    return shares
'''


def test_a_new_guard_before_the_crash_is_not_blamed(history: History) -> None:
    history.commit("Split payments", {"svc/split.py": SPLIT})
    history.deploy()
    history.edit("Split: reject zero parts", "svc/split.py", "    total = Decimal(total)\n",
                 "    if parts < 1:\n        raise ValueError('no parts')\n"
                 "    total = Decimal(total)\n")
    history.deploy()
    alert = history.alert("ValueError", "shares do not add up", [
        history.frame("svc/split.py", "split", 'raise ValueError("shares')])
    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)
    assert rc.no_culprit_in_history
    assert set(rc.suspects[0].kinds) == {"touched-function", "in-window"}


WEBHOOKS = '''def net_amount(obj):
    return obj["amount"] - obj["fee"]


def handle(event):
    obj = event["data"]
    if event["type"] == "charge":
        return {"net": net_amount(obj)}
    return {}
'''


def test_a_new_call_into_old_code_is_the_culprit(history: History) -> None:
    history.commit("Webhooks", {"svc/webhooks.py": WEBHOOKS})
    history.deploy()
    culprit = history.edit("Webhooks: refunds", "svc/webhooks.py", "    return {}\n",
                           '    if event["type"] == "refund":\n'
                           '        return {"debit": net_amount(obj)}\n    return {}\n')
    history.edit("Webhooks: skip test mode", "svc/webhooks.py", '    obj = event["data"]\n',
                 '    if event.get("test"):\n        return {}\n    obj = event["data"]\n')
    history.deploy()
    alert = history.alert("KeyError", "'fee'", [
        history.frame("svc/webhooks.py", "handle", '"debit": net_amount(obj)'),
        history.frame("svc/webhooks.py", "net_amount", 'obj["fee"]')])
    rc = analyse(alert, history.repo, history.deploys(), OPTIONS)
    assert rc.suspects[0].sha == culprit and "stack-line" in rc.suspects[0].kinds
    assert "changed a call on the way to the crash" in rc.explanation
