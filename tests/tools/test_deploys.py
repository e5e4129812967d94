"""Release → commit: the versions monitors report, resolved against a real repository."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.rca.history import History
from tools.deploys import resolve_deploys, resolve_release
from tools.ports import Deploy


def test_releases_resolve_to_commits(tmp_path: Path) -> None:
    history = History(tmp_path / "svc")
    first = history.commit("one", {"a.py": "A = 1\n"})
    history.repo.git.tag("v1.4.2", first)
    second = history.commit("two", {"a.py": "A = 2\n"})
    named = Deploy(name="shop@2.0.0", sha=second[:12], deployed_at=datetime.now(UTC))
    assert resolve_release(history.repo, second) == second
    assert resolve_release(history.repo, second[:9]) == second
    assert resolve_release(history.repo, "shop@1.4.2") == first  # tag v1.4.2
    assert resolve_release(history.repo, f"shop@{second[:10]}") == second
    assert resolve_release(history.repo, f"2.0.0+{first[:8]}") == first
    assert resolve_release(history.repo, "shop@2.0.0", [named]) == second
    assert resolve_release(history.repo, "--output=/tmp/x") is None
    assert resolve_release(history.repo, "shop@9.9.9") is None
    unknown = Deploy(name="x", sha="f" * 40, deployed_at=datetime.now(UTC))
    assert resolve_deploys(history.repo, [named, unknown]) == [
        named.model_copy(update={"sha": second})]
