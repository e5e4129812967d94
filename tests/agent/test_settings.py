from __future__ import annotations

from pathlib import Path

import pytest

from agent.settings import Settings, config_template


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
