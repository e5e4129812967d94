"""The eval's outputs: results.json (schema in shared/INCIDENT_FORMAT.md), a Markdown report
for people and PR comments, JUnit XML for CI, and the comparison with a baseline run."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree

from pydantic import BaseModel, Field, ValidationError

Status = Literal["fixed", "plausible", "unfixed", "error"]
STATUSES: tuple[Status, ...] = ("fixed", "plausible", "unfixed", "error")
_ICONS = {"fixed": "✅", "plausible": "🟡", "unfixed": "❌", "error": "💥"}
NOTE_CHARS = 160  # a table cell, not a log


class CaseResult(BaseModel):
    id: str
    source: str
    tags: list[str] = Field(default_factory=list)
    status: Status
    rca_rank: int | None = None
    localized: bool = False  # False too when there is no patch to place
    strategy: str | None = None
    lines_changed: int = 0
    candidates: int = 0
    seconds: float = 0.0
    tokens: int = 0
    cost: float = 0.0  # the model's, in the price table's currency (0 without a model)
    error: str | None = None
    # Extensions of the format's results file: what the patch is and what was opened.
    fix_class: str | None = None  # "fix" | "mitigation" for the chosen patch
    confidence: float | None = None
    pull_request: Literal["none", "draft", "ready"] = "none"
    has_culprit: bool = False  # expected.culprit names a commit in history
    # Why a case is not fixed (the judge's first failure, the escalation): report and JUnit
    # only, results.json keeps to the schema.
    note: str = Field("", exclude=True)


class Totals(BaseModel):
    cases: int
    fixed: int
    plausible: int
    unfixed: int
    error: int
    rca_top1: int
    rca_top3: int
    median_seconds: float
    with_culprit: int = 0  # cases whose culprit is in history: the RCA figures' denominator
    pull_requests: int = 0  # opened, drafts included
    plausible_share: float = 0.0  # plausible-but-wrong PRs / PRs opened


class Results(BaseModel):
    cases: list[CaseResult]
    totals: Totals


class BaselineError(ValueError):
    pass


def totals(cases: list[CaseResult]) -> Totals:
    # Median over the cases that ran: an error usually stops in the first second and would
    # make the agent look faster than it is.
    ran = [c.seconds for c in cases if c.status != "error"]
    return Totals(
        cases=len(cases),
        fixed=sum(c.status == "fixed" for c in cases),
        plausible=sum(c.status == "plausible" for c in cases),
        unfixed=sum(c.status == "unfixed" for c in cases),
        error=sum(c.status == "error" for c in cases),
        rca_top1=sum(c.rca_rank == 1 for c in cases),
        rca_top3=sum(c.rca_rank is not None and c.rca_rank <= 3 for c in cases),
        median_seconds=round(statistics.median(ran), 2) if ran else 0.0,
        with_culprit=sum(c.has_culprit for c in cases),
        pull_requests=sum(c.pull_request != "none" for c in cases),
        plausible_share=round(sum(c.status == "plausible" and c.pull_request != "none"
                                  for c in cases) / opened, 3)
        if (opened := sum(c.pull_request != "none" for c in cases)) else 0.0,
    )


def make_results(cases: Iterable[CaseResult]) -> Results:
    ordered = sorted(cases, key=lambda c: c.id)
    return Results(cases=ordered, totals=totals(ordered))


def load_results(path: Path) -> Results:
    """An earlier results.json; BaselineError says why it cannot be used."""
    try:
        return Results.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such file") from None
    except ValidationError as exc:
        raise BaselineError(f"{path} is not an eval results file: "
                            f"{exc.errors()[0]['msg']}") from None


# ---------------------------------------------------------------- baseline


@dataclass
class BaselineDiff:
    compared: int  # cases in both runs
    fixed_before: int
    fixed_now: int
    newly_fixed: list[str] = field(default_factory=list)
    no_longer_fixed: list[str] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)  # in the baseline only

    @property
    def regressed(self) -> bool:
        return self.fixed_now < self.fixed_before


def compare(current: Results, baseline: Results) -> BaselineDiff:
    """Fixed counts on the cases both runs have, so `--only` compares like with like."""
    before = {c.id: c.status for c in baseline.cases}
    now = {c.id: c.status for c in current.cases if c.id in before}
    diff = BaselineDiff(
        compared=len(now),
        fixed_before=sum(before[i] == "fixed" for i in now),
        fixed_now=sum(s == "fixed" for s in now.values()),
        not_run=sorted(set(before) - {c.id for c in current.cases}),
    )
    for case_id, status in sorted(now.items()):
        if status == "fixed" and before[case_id] != "fixed":
            diff.newly_fixed.append(case_id)
        elif status != "fixed" and before[case_id] == "fixed":
            diff.no_longer_fixed.append(case_id)
    return diff


# ---------------------------------------------------------------- Markdown


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())  # one line per row
    if len(text) > NOTE_CHARS:
        text = text[: NOTE_CHARS - 1] + "…"
    return text.replace("|", "\\|")


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def summary_line(t: Totals) -> str:
    return (f"**{t.fixed}/{t.cases} fixed** ({_pct(t.fixed, t.cases)}) · {t.plausible} plausible"
            f" · {t.unfixed} unfixed · {t.error} error · {t.pull_requests} PRs opened, "
            f"{t.plausible_share:.0%} of them plausible-but-wrong · RCA top-1 {t.rca_top1}, "
            f"top-3 {t.rca_top3} of {t.with_culprit} with a culprit in history · median "
            f"{t.median_seconds:.1f} s")


def _group_table(title: str, cases: list[CaseResult],
                 keys: Callable[[CaseResult], list[str]]) -> list[str]:
    groups: dict[str, list[CaseResult]] = {}
    for case in cases:
        for key in keys(case):
            groups.setdefault(key, []).append(case)
    lines = [f"## By {title}", "",
             f"| {title} | cases | fixed | plausible | unfixed | error | RCA top-1 | RCA top-3 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for key in sorted(groups):
        t = totals(groups[key])
        lines.append(f"| {_cell(key)} | {t.cases} | {t.fixed} ({_pct(t.fixed, t.cases)}) | "
                     f"{t.plausible} | {t.unfixed} | {t.error} | {t.rca_top1} | {t.rca_top3} |")
    return [*lines, ""]


def _baseline_lines(diff: BaselineDiff) -> list[str]:
    verdict = "**fewer fixed cases than the baseline**" if diff.regressed else "no regression"
    lines = [f"Baseline: {diff.fixed_before} → {diff.fixed_now} fixed on the {diff.compared} "
             f"cases both runs have ({verdict})."]
    if diff.newly_fixed:
        lines.append(f"- newly fixed: {', '.join(diff.newly_fixed)}")
    if diff.no_longer_fixed:
        lines.append(f"- no longer fixed: {', '.join(diff.no_longer_fixed)}")
    if diff.not_run:
        lines.append(f"- in the baseline but not run: {', '.join(diff.not_run)}")
    return [*lines, ""]


def model_lines(with_model: Results, without: Results, model: str) -> list[str]:
    """Per case, the run without a model against the run with `model`."""
    before = {c.id: c for c in without.cases}
    t, b = with_model.totals, without.totals
    lines = [f"## Model {_cell(model)} against no model", "",
             f"Fixed: {b.fixed} → {t.fixed}; plausible-but-wrong: {b.plausible} → "
             f"{t.plausible}; tokens: {sum(c.tokens for c in with_model.cases)}; cost: "
             f"{sum(c.cost for c in with_model.cases):.4f}.", "",
             "| case | no model | with model | strategy with model | tokens | cost |",
             "|---|---|---|---|---:|---:|"]
    for c in with_model.cases:
        old = before.get(c.id)
        was = f"{_ICONS[old.status]} {old.status}" if old else "-"
        lines.append(f"| {_cell(c.id)} | {was} | {_ICONS[c.status]} {c.status} | "
                     f"{_cell(c.strategy or '-')} | {c.tokens} | {c.cost:.4f} |")
    return [*lines, ""]


def markdown(results: Results, diff: BaselineDiff | None = None,
             title: str = "alertfix eval", model: tuple[str, Results] | None = None) -> str:
    cases = results.cases
    lines = [f"# {title}", "", summary_line(results.totals), ""]
    if diff is not None:
        lines += _baseline_lines(diff)
    if model is not None:
        lines += model_lines(results, model[1], model[0])
    lines += _group_table("source", cases, lambda c: [c.source])
    lines += _group_table("tag", cases, lambda c: c.tags or ["(untagged)"])
    lines += _group_table("fix class", cases, lambda c: [c.fix_class or "(no patch)"])
    lines += ["## Cases", "",
              "| case | source | status | RCA rank | localized | strategy | lines | candidates "
              "| seconds | note |",
              "|---|---|---|---:|---|---|---:|---:|---:|---|"]
    for c in cases:
        note = c.error if c.status == "error" else c.note
        lines.append(
            f"| {_cell(c.id)} | {_cell(c.source)} | {_ICONS[c.status]} {c.status} | "
            f"{c.rca_rank if c.rca_rank is not None else '-'} | "
            f"{'yes' if c.localized else 'no'} | {_cell(c.strategy or '-')} | "
            f"{c.lines_changed} | {c.candidates} | {c.seconds:.1f} | {_cell(note)} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- JUnit


def junit_xml(results: Results, suite: str = "alertfix-eval") -> str:
    """One testcase per case: not fixed is a failure, a run that broke is an error."""
    t = results.totals
    root = ElementTree.Element("testsuites")
    node = ElementTree.SubElement(root, "testsuite", {
        "name": suite, "tests": str(t.cases), "failures": str(t.plausible + t.unfixed),
        "errors": str(t.error), "skipped": "0",
        "time": f"{sum(c.seconds for c in results.cases):.2f}"})
    for c in results.cases:
        case = ElementTree.SubElement(node, "testcase", {
            "classname": f"eval.{c.source}", "name": c.id, "time": f"{c.seconds:.2f}"})
        if c.status == "error":
            ElementTree.SubElement(case, "error", {"message": c.error or "error",
                                                   "type": "error"}).text = c.error
        elif c.status != "fixed":
            message = f"{c.status}: {c.note}" if c.note else c.status
            ElementTree.SubElement(case, "failure", {"message": message,
                                                     "type": c.status}).text = message
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_all(out: Path, results: Results, diff: BaselineDiff | None,
              model: tuple[str, Results] | None = None) -> dict[str, Path]:
    """`model`: the model's name and the run without it, when `results` used one."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"results": out / "results.json", "report": out / "report.md",
             "junit": out / "junit.xml"}
    paths["results"].write_text(json.dumps(results.model_dump(mode="json"), indent=2) + "\n",
                                encoding="utf-8")
    if model is not None:
        paths["without_model"] = out / "results-no-model.json"
        paths["without_model"].write_text(
            json.dumps(model[1].model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")
    paths["report"].write_text(markdown(results, diff, model=model), encoding="utf-8")
    paths["junit"].write_text(junit_xml(results), encoding="utf-8")
    return paths
