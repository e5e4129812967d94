"""`alertfix eval --model replay:DIR`: the committed recordings (tests/evals/recordings) rerun
offline and deterministically, and the report compares each case without and with the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.harness import eval_command
from evals.report import load_results

FIXTURES = Path(__file__).parent / "fixtures"
RECORDINGS = Path(__file__).parent / "recordings"


@pytest.mark.slow
def test_replayed_answers_fix_what_the_engine_could_not(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    code = eval_command(FIXTURES, [], 1, out, None, model=f"replay:{RECORDINGS / 'handwritten'}",
                        llm_mode="fallback")
    assert code == 0
    with_model, without = load_results(out / "results.json"), load_results(
        out / "results-no-model.json")
    before = {c.id: c for c in without.cases}
    after = {c.id: c for c in with_model.cases}
    assert before["stats-empty-mean"].status == "unfixed"
    stats = after["stats-empty-mean"]
    assert stats.status == "fixed" and stats.strategy == "llm:replay"
    assert stats.tokens == 1103 and stats.cost == pytest.approx(0.000214, abs=1e-6)
    # fallback: the engine fixed the shop case, so the model was not asked
    assert after["shop-guest-keyerror"].tokens == 0
    assert json.loads((out / "results.json").read_text())["cases"][0]["cost"] is not None
    report = (out / "report.md").read_text()
    assert "Fixed: 1 → 2" in report and "| stats-empty-mean | ❌ unfixed | ✅ fixed |" in report


@pytest.mark.slow
def test_a_small_real_models_answers_replay_and_change_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The settings they were recorded with: max_tokens is part of every request's key.
    monkeypatch.setenv("ALERTFIX_LLM_MAX_TOKENS", "160")
    monkeypatch.setenv("ALERTFIX_LLM_ROUNDS", "2")
    out = tmp_path / "eval"
    assert eval_command(FIXTURES, ["stats-empty-mean"], 1, out, None,
                        model=f"replay:{RECORDINGS / 'smollm2'}", llm_mode="always") == 0
    case = load_results(out / "results.json").cases[0]
    assert case.tokens == 2240 and case.status == "unfixed"
    assert case.strategy and not case.strategy.startswith("llm:")


def test_record_needs_a_model_and_the_model_spec_is_checked(tmp_path: Path) -> None:
    assert eval_command(FIXTURES, [], 1, tmp_path, None, record=tmp_path / "r") == 2
    assert eval_command(FIXTURES, [], 1, tmp_path, None, model="gpt-4o") == 2
    assert eval_command(FIXTURES, [], 1, tmp_path, None, model="replay:/no/such/dir") == 2
