"""The one place that reads the environment and config files.

Values come from `ALERTFIX_*` environment variables, then from a TOML file (`alertfix.toml`
in the working directory, or the path in `ALERTFIX_CONFIG`), then from the defaults here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALERTFIX_", extra="ignore")

    home: Path = Field(Path(".alertfix"), description="where alertfix keeps its databases")
    state_db: Path | None = Field(None, description="LangGraph checkpoints (default home/state.db)")

    tracker: Literal["local", "jira", "github"] = "local"
    forge: Literal["local", "github"] = "local"

    path_prefixes: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["/srv/app/", "/app/", "/usr/src/app/", "/opt/app/"],
        description="deploy-path prefixes stripped from stack frames",
    )
    test_timeout_s: float = 600.0
    max_candidates: int = 40

    ingest_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="DSN public keys the Sentry-compatible ingest accepts")
    sentry_client_secret: SecretStr | None = None
    github_webhook_secret: SecretStr | None = None

    @field_validator("path_prefixes", "ingest_keys", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("ALERTFIX_CONFIG", "alertfix.toml"))
        return (init_settings, env_settings,
                TomlConfigSettingsSource(settings_cls, toml_file=toml_file))

    @property
    def state_path(self) -> Path:
        return self.state_db or self.home / "state.db"
