"""Write one incident case folder from its spec."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from evals.generate import alerts
from evals.generate.repo import build_script, run_build
from evals.generate.spec import Case

JUDGE_COMMAND = "python -m pytest -q -p no:cacheprovider judge"


def _toml_str(s: str) -> str:
    return json.dumps(s)  # JSON string escapes are valid TOML basic-string escapes


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(_toml_str(i) for i in items) + "]"


def case_toml(case: Case, culprit: str) -> str:
    lines = [
        f"id = {_toml_str(case.id)}",
        f"title = {_toml_str(case.title)}",
        f"source = {_toml_str(case.source)}",
        'alert = "alert.json"',
        f"received_at = {_toml_str(alerts.iso_z(alerts.received_at(case)))}",
        f"tags = {_toml_list(case.tags)}",
        "",
        "[repo]",
        'default_branch = "main"',
    ]
    if case.source != "ci":
        lines.append(f"path_prefix = {_toml_str(alerts.DEPLOY_PREFIX)}")
    lines += [
        "",
        "[expected]",
        f"culprit = {_toml_str(culprit)}",
        f"files = {_toml_list(case.files)}",
        f"functions = {_toml_list(case.functions)}",
        "",
        "[judge]",
        f"command = {_toml_str(JUDGE_COMMAND)}",
        "timeout_s = 120",
    ]
    return "\n".join(lines) + "\n"


def dump_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_case(case: Case, out_dir: Path) -> Path:
    """(Re)generate `out_dir/<case.id>` and return it."""
    case.validate()
    folder = out_dir / case.id
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    script = folder / "build.sh"
    script.write_text(build_script(case), encoding="utf-8")
    script.chmod(0o755)
    with tempfile.TemporaryDirectory(prefix="alertfix-gen-") as tmp:
        built = run_build(script, Path(tmp) / "repo")
        head_sha = built.shas[-1]
        culprit = built.shas[case.culprit] if case.culprit is not None else ""
        if case.source == "sentry":
            captured = alerts.run_crash(case, built.path, "sentry", head_sha)
            dump_json(folder / "alert.json", alerts.sentry_alert(case, captured, head_sha))
        elif case.source == "pagerduty":
            captured = alerts.run_crash(case, built.path, "traceback", head_sha)
            webhook, incident_id, answer = alerts.pagerduty_alert(case, captured, head_sha)
            dump_json(folder / "alert.json", webhook)
            dump_json(folder / "api" / "pagerduty" / "incidents" / incident_id / "alerts.json",
                      answer)
        else:
            dump_json(folder / "alert.json", alerts.ci_alert(case, built.path, head_sha))
    (folder / "case.toml").write_text(case_toml(case, culprit), encoding="utf-8")
    judge = folder / "judge"
    judge.mkdir()
    (judge / "test_judge.py").write_text(case.judge, encoding="utf-8")
    for name, body in sorted(case.judge_files.items()):
        (judge / name).write_text(body, encoding="utf-8")
    return folder
