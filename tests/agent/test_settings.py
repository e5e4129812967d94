from __future__ import annotations

from pathlib import Path

import pytest

from agent.settings import Settings, config_template, unknown_settings


def test_the_config_template_uncommented_gives_the_defaults(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"ALERTFIX_{name.upper()}", raising=False)
    lines = [line[2:] for line in config_template().splitlines()
             if line.startswith("# ") and " = " in line and line[2:3].islower()]
    config = tmp_path / "alertfix.toml"
    config.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("ALERTFIX_CONFIG", str(config))
    assert Settings() == Settings.model_validate({})
    assert Settings().state_path == Path(".alertfix/state.db")


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "alertfix.toml"
    config.write_text('home = "/from/file"\ningest_keys = ["a"]\n')
    monkeypatch.setenv("ALERTFIX_CONFIG", str(config))
    monkeypatch.setenv("ALERTFIX_INGEST_KEYS", "k1, k2")
    settings = Settings()
    assert settings.home == Path("/from/file") and settings.ingest_keys == ["k1", "k2"]


def test_a_misspelt_variable_is_named_with_the_setting_meant(tmp_path: Path) -> None:
    config = tmp_path / "alertfix.toml"
    config.write_text('verify_window = 60\nhome = "/srv/alertfix"\n')
    environ = {"ALERTFIX_PAGERDUTY_WEBHOOK_SECRET": "s", "ALERTFIX_HOME": "/x",
               "ALERTFIX_CONFIG": str(config), "ALERTFIX_ZZZ": "1", "PATH": "/bin",
               "alertfix_ingest_keys": "k"}  # pydantic reads names case-insensitively
    assert unknown_settings(environ) == [
        "environment variable ALERTFIX_PAGERDUTY_WEBHOOK_SECRET is not an alertfix setting "
        "and is ignored; did you mean ALERTFIX_PAGERDUTY_WEBHOOK_SECRETS?",
        "environment variable ALERTFIX_ZZZ is not an alertfix setting and is ignored; "
        "`alertfix init` lists every setting.",
        f"{config}: key 'verify_window' is not an alertfix setting and is ignored; did you "
        "mean verify_window_s?",
    ]
    assert unknown_settings({"ALERTFIX_HOME": "/x", "ALERTFIX_CONFIG": str(tmp_path / "no")}) \
        == []


@pytest.mark.parametrize("command", [["doctor"], ["status"], ["serve", "--port", "1"]])
def test_commands_report_unknown_variables_at_start(
        command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from agent import cli

    monkeypatch.setenv("ALERTFIX_PAGERDUTY_WEBHOOK_SECRET", "pd-secret")
    monkeypatch.setenv("ALERTFIX_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("agent.server.app.serve", lambda *a: None)  # start-up only
    result = CliRunner().invoke(cli.app, command)
    said = "ALERTFIX_PAGERDUTY_WEBHOOK_SECRET is not an alertfix setting"
    assert said in result.output
    assert "did you mean ALERTFIX_PAGERDUTY_WEBHOOK_SECRETS?" in result.output
    assert result.output.count(said) == 1 and "pd-secret" not in result.output
    if command == ["doctor"]:
        assert result.exit_code == 1  # a doctor finding, so the check fails
