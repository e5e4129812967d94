"""Which repository an alert belongs to: the `services` mapping in settings.

Keys are whatever a source names a service by: a Sentry project (slug or id, or the ingest's
project id), a PagerDuty service (name or id), a GitHub repository (`owner/name`); `*` is the
fallback. Local repositories are imported into the embedded forge once per process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from agent.incidents.service import IncidentService
from agent.settings import ServiceRepository, Settings
from agent.state import RepoRef


class RepositoryMap:
    def __init__(self, settings: Settings, service: IncidentService) -> None:
        self.settings = settings
        self.service = service
        self._refs: dict[str, RepoRef] = {}
        self._lock = threading.Lock()

    def key_for(self, names: Iterable[str]) -> str | None:
        """The first mapping key among `names`, else `*` when configured."""
        for name in names:
            if name and name in self.settings.services:
                return name
        return "*" if "*" in self.settings.services else None

    def resolve(self, names: Iterable[str]) -> RepoRef | None:
        key = self.key_for(names)
        if key is None:
            return None
        with self._lock:
            if key not in self._refs:
                self._refs[key] = self._ref(self.settings.services[key])
            return self._refs[key]

    def _ref(self, service: ServiceRepository) -> RepoRef:
        if self.settings.forge == "local":
            return self.service.register_local_repo(
                Path(service.repository), service.default_branch, service.test_command,
                service.python, service.setup)
        return RepoRef(name=service.repository,
                       origin=f"https://github.com/{service.repository}.git",
                       default_branch=service.default_branch or "main",
                       test_command=service.test_command or None, python=service.python,
                       setup=service.setup)
