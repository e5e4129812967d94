"""The RCA building blocks on their own: bisection, frame mapping, tracebacks, evidence words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from agent.rca.bisect import Verdict, bisect
from agent.rca.explain import web_url
from agent.rca.locate import context_matches, map_frame
from agent.rca.scoring import named_values
from agent.rca.window import first_sighting
from tools.monitors.traceback_parse import parse_failure_text
from tools.ports import Deploy, Frame

COMMITS = [f"c{i}" for i in range(9)]


def _probe(first_bad: int, skips: frozenset[int] | set[int] = frozenset(),
           seen: list[str] | None = None) -> Callable[[str], Verdict]:
    def probe(sha: str) -> Verdict:
        if seen is not None:
            seen.append(sha)
        index = COMMITS.index(sha)
        if index in skips:
            return "skip"
        return "bad" if index >= first_bad else "good"
    return probe


def test_bisect_finds_the_first_bad_commit_in_few_probes() -> None:
    for first_bad in range(len(COMMITS)):
        seen: list[str] = []
        result = bisect(COMMITS, _probe(first_bad, seen=seen))
        assert result.first_bad == COMMITS[first_bad]
        assert len(seen) <= 4


def test_bisect_steps_around_skipped_commits() -> None:
    result = bisect(COMMITS, _probe(5, skips={2, 3}))
    assert result.first_bad == "c5"
    beside = bisect(COMMITS, _probe(5, skips={4}))  # as git: "could be any of c4 c5"
    assert beside.first_bad is None and beside.candidates == ["c4", "c5"]
    hidden = bisect(COMMITS, _probe(5, skips={4, 5}))
    assert hidden.first_bad is None and hidden.candidates == ["c4", "c5", "c6"]


def test_site_packages_frames_map_only_to_installed_repository_files() -> None:
    files = {"shop/cart.py", "app/utils.py", "src/billing/core.py"}
    own = Frame(abs_path="/usr/lib/python3.11/site-packages/shop/cart.py", lineno=3)
    src_layout = Frame(abs_path="/venv/lib/python3.11/site-packages/billing/core.py")
    library = Frame(abs_path="/usr/lib/python3.11/site-packages/requests/utils.py")
    module_only = Frame(module="shop.cart")
    deploy = Frame(abs_path="/srv/app/shop/cart.py")
    assert map_frame(own, files, []) == "shop/cart.py"
    assert map_frame(src_layout, files, []) == "src/billing/core.py"
    assert map_frame(library, files, []) is None  # never the suffix match to app/utils.py
    assert map_frame(module_only, files, []) == "shop/cart.py"
    assert map_frame(deploy, files, ["/srv/app/"]) == "shop/cart.py"
    assert map_frame(Frame(abs_path="/elsewhere/deep/shop/cart.py"), files, []) == "shop/cart.py"
    stdlib = Frame(abs_path="/usr/local/lib/python3.11/os.py", module="os")
    frozen = Frame(filename="<frozen os>", module="os")
    with_init = files | {"inv/__init__.py"}
    assert map_frame(stdlib, with_init, []) is None
    assert map_frame(frozen, with_init, []) is None
    assert map_frame(Frame(abs_path="/x/os/__init__.py"), with_init, []) is None


def test_a_context_line_that_differs_marks_a_stale_frame() -> None:
    source = "def f():\n    return 1\n"
    assert context_matches(Frame(repo_path="m.py", lineno=2, context_line="    return 1"), source)
    assert context_matches(Frame(repo_path="m.py", lineno=2, context_line="    return 2"),
                           source) is False
    assert context_matches(Frame(repo_path="m.py", lineno=2), source) is None  # cannot tell


def test_named_values_pick_keys_attributes_names_and_settings() -> None:
    assert named_values("KeyError", "'tier'") == ["tier"]
    assert named_values("AttributeError", "'Item' object has no attribute 'qty'") == ["qty"]
    assert named_values("NameError", "name 'bin_for' is not defined") == ["bin_for"]
    assert named_values("KeyError", "'BILLING_SMTP_HOST'") == ["BILLING_SMTP_HOST"]
    assert named_values("RuntimeError", "missing setting ROUTING_DEFAULT_WH") == [
        "ROUTING_DEFAULT_WH"]
    assert named_values("TypeError", "unsupported operand type(s) for +: 'int' and 'str'") == []


def test_tracebacks_in_python_and_pytest_formats() -> None:
    python = parse_failure_text(
        'Traceback (most recent call last):\n'
        '  File "/srv/app/billing/dunning.py", line 28, in run\n'
        '    settings = smtp_settings()\n'
        '  File "<frozen os>", line 679, in __getitem__\n'
        "KeyError: 'BILLING_SMTP_HOST'\n")
    assert python is not None
    assert [(f.abs_path, f.lineno, f.function) for f in python.frames] == [
        ("/srv/app/billing/dunning.py", 28, "run"), ("<frozen os>", 679, "__getitem__")]
    assert python.frames[0].context_line == "settings = smtp_settings()"
    assert python.frames[1].context_line is None
    assert (python.exception_type, python.exception_message) == ("KeyError",
                                                                 "'BILLING_SMTP_HOST'")
    short = parse_failure_text("tests/test_fees.py:8: in test_fee\n    assert fee(5) == 1\n"
                            "shop/fees.py:3: in fee\n    return 1 / 0\n"
                            "E   ZeroDivisionError: division by zero\n")
    assert short is not None
    assert [(f.filename, f.function) for f in short.frames] == [
        ("tests/test_fees.py", "test_fee"), ("shop/fees.py", "fee")]
    assert short.exception_type == "ZeroDivisionError"


def test_web_url_from_clone_urls() -> None:
    assert web_url("https://x-access-token:s3cret@github.com/acme/shop.git") == \
        "https://github.com/acme/shop"
    assert web_url("http://127.0.0.1:8123/acme/shop.git") == "http://127.0.0.1:8123/acme/shop"
    assert web_url("/home/alertfix/forge/shop.git") == ""


def test_first_sighting_is_the_earliest_deploy_period_with_events() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    deploys = [Deploy(name=f"deploy-{n}", sha="a" * 40, deployed_at=start + timedelta(days=n))
               for n in range(1, 5)]
    events = [start + timedelta(days=2, hours=5), start + timedelta(days=4, hours=1)]

    def count_since(since: datetime) -> int:
        return sum(1 for e in events if e >= since)

    until = start + timedelta(days=5)
    assert first_sighting(count_since, deploys, until) == deploys[1].deployed_at
    assert first_sighting(lambda since: 0, deploys, until) is None
