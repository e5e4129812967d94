"""GitHub App authentication and error handling shared by the forge and the GitHub Issues tracker.

One `GitHubApp` holds the App's credentials and the current installation token. The token is
exchanged with a JWT signed by the App's private key and refreshed `refresh_margin` before it
expires (GitHub tokens live an hour; PyGithub's own margin of 20 s is too thin for a push that
starts just before expiry). The API client and git both read the token from here, so there is
one exchange per hour, not one per client.

`call()` runs one PyGithub operation with bounded retries (rate limits honour Retry-After up to
a cap; 5xx and connection errors back off) and turns every failure into one of the kinds in
`tools.ports` (Unavailable, Refused, NotFound), with a message that says what to fix. Callers
choose the port's classes (forge or tracker) through `ErrorTypes`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import jwt
import requests
from github import Auth, Github, GithubException, GithubIntegration

from tools.ports import (
    NotFound,
    Refused,
    RetryPolicy,
    ServiceError,
    Unavailable,
    retry_after_seconds,
)

T = TypeVar("T")

GITHUB_API = "https://api.github.com"


# ---------------------------------------------------------------- errors


@dataclass(frozen=True)
class ErrorTypes:
    """The port's error classes an adapter raises: one per kind (tools/ports.py)."""

    unavailable: type[Unavailable]  # rate limited or unreachable after bounded retries
    refused: type[Refused]  # 401, 403, 422, ...: credentials, permission, invalid request
    not_found: type[NotFound]  # 404

    def like(self, exc: ServiceError) -> ServiceError:
        """The same kind of failure, as this port's error."""
        kind: type[ServiceError] = (
            self.unavailable if isinstance(exc, Unavailable)
            else self.not_found if isinstance(exc, NotFound) else self.refused)
        return kind(str(exc), retry_after=exc.retry_after)


def _header(headers: dict[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _rate_limit_wait(exc: GithubException) -> float | None:
    """Seconds GitHub asked us to wait, or None when this is not a rate limit."""
    headers = exc.headers or {}
    retry_after = _header(headers, "Retry-After")
    if retry_after is not None:
        return retry_after_seconds(retry_after, 60.0)
    data = exc.data if isinstance(exc.data, dict) else {}
    message = str(data.get("message", "")).lower()
    exhausted = _header(headers, "X-RateLimit-Remaining") == "0"
    if exc.status == 429 or "rate limit" in message or exhausted:
        reset = _header(headers, "X-RateLimit-Reset")
        if reset and reset.isdigit():
            return max(int(reset) - time.time(), 1.0)
        return 60.0
    return None


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    text = str(data.get("message") or exc.message or "")
    details = [str(e.get("message") or f"{e.get('field')} {e.get('code')}")
               for e in data.get("errors") or [] if isinstance(e, dict)]
    return "; ".join([text, *details]) if details else text


def translate(exc: GithubException, what: str, errors: ErrorTypes,
              hint: str = "") -> ServiceError:
    """One exception per meaning, naming the operation and the fix."""
    status, msg = exc.status, _message(exc)
    if status == 401:
        return errors.refused(
            f"GitHub rejected the App's credentials while trying to {what} (401: {msg}). "
            "Check the App id, the private key and the installation id."
        )
    if status == 403:
        needed = _header(exc.headers, "X-Accepted-GitHub-Permissions")
        perm = f"permission {needed}" if needed else "a permission it was not granted"
        return errors.refused(
            f"The GitHub App lacks {perm}, needed to {what} (403: {msg}). Grant it under the "
            "App's settings → Permissions & events, then accept the new permissions on the "
            "installation."
        )
    if status == 404:
        return errors.not_found(f"Could not {what}: not found (404). {hint}".strip())
    if status == 422:
        return errors.refused(f"GitHub refused to {what} (422: {msg}).")
    return errors.refused(f"GitHub failed to {what} ({status}: {msg}).")


def call(fn: Callable[[], T], what: str, errors: ErrorTypes, policy: RetryPolicy,
         hint: str = "") -> T:
    """Run `fn` (one PyGithub operation) with bounded retries and translated errors."""
    for attempt in range(policy.attempts):
        last = attempt == policy.attempts - 1
        try:
            return fn()
        except GithubException as exc:
            wait = _rate_limit_wait(exc) if exc.status in (403, 429) else None
            if wait is not None:
                if wait > policy.max_wait or last:
                    raise errors.unavailable(
                        f"GitHub rate limit while trying to {what}: asked to wait {wait:.0f}s "
                        f"(limit {policy.max_wait:.0f}s, attempt {attempt + 1}). Try again later.",
                        retry_after=wait,
                    ) from None
                policy.sleep(wait)
                continue
            if exc.status >= 500 and not last:
                policy.sleep(policy.delay(attempt))
                continue
            if exc.status >= 500:
                raise errors.unavailable(
                    f"GitHub kept failing to {what} ({exc.status}) after {policy.attempts} tries.",
                    retry_after=retry_after_seconds(_header(exc.headers, "Retry-After")),
                ) from None
            raise translate(exc, what, errors, hint) from None
        except ServiceError as exc:  # the token expired mid-call and could not be renewed
            raise errors.like(exc) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            if last:
                raise errors.unavailable(
                    f"Could not reach GitHub to {what} after {policy.attempts} tries "
                    f"({type(exc).__name__})."
                ) from None
            policy.sleep(policy.delay(attempt))
    raise AssertionError("unreachable")  # the loop always returns or raises


# ---------------------------------------------------------------- the App


@dataclass(frozen=True)
class InstallationToken:
    token: str
    expires_at: datetime
    permissions: dict[str, str]


class _InstallationAuth(Auth.Auth):
    """PyGithub auth that asks the App for a fresh token on every request."""

    def __init__(self, app: GitHubApp) -> None:
        self._app = app

    @property
    def token_type(self) -> str:
        return "token"

    @property
    def token(self) -> str:
        return self._app.token()

    @property
    def _masked_token(self) -> str:
        return "token (installation token removed)"


class GitHubApp:
    """A GitHub App installation: JWT → installation token, cached and refreshed early."""

    def __init__(
        self,
        *,
        app_id: int | str,
        private_key_pem: str,
        installation_id: int,
        base_url: str = GITHUB_API,
        refresh_margin: timedelta = timedelta(minutes=5),
        timeout: int = 15,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app_id = str(app_id)
        self.installation_id = int(installation_id)
        self.base_url = base_url.rstrip("/")
        self.refresh_margin = refresh_margin
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self._private_key_pem = private_key_pem
        self._current: InstallationToken | None = None
        self._lock = threading.Lock()

    def _client_kwargs(self) -> dict[str, Any]:
        # retry=0: retries are ours (bounded, Retry-After honoured); no client-side throttling,
        # the App's rate limit is what GitHub enforces and `call()` handles.
        return {
            "base_url": self.base_url, "timeout": self.timeout, "retry": 0,
            "seconds_between_requests": None, "seconds_between_writes": None,
        }

    def integration(self) -> GithubIntegration:
        """The App-level client (authenticated with a JWT)."""
        return GithubIntegration(
            auth=Auth.AppAuth(self.app_id, self._private_key_pem), **self._client_kwargs()
        )

    def client(self, lazy: bool = False) -> Github:
        """An API client acting as the installation; its token refreshes itself.

        `lazy=True` makes objects from get_repo() etc. without a request until used.
        """
        return Github(auth=_InstallationAuth(self), lazy=lazy, **self._client_kwargs())

    def installation_token(self, errors: ErrorTypes) -> InstallationToken:
        """The current token, exchanged again when it expires within `refresh_margin`."""
        with self._lock:
            current = self._current
            if current is None or current.expires_at - self.refresh_margin <= self._clock():
                self._current = current = self._exchange(errors)
            return current

    def token(self) -> str:
        # Raised inside a PyGithub request: `call()` re-raises it as the caller's port error.
        return self.installation_token(_ANY_PORT).token

    def _exchange(self, errors: ErrorTypes) -> InstallationToken:
        def exchange() -> InstallationToken:
            try:
                auth = self.integration().get_access_token(self.installation_id)
            except (ValueError, TypeError, jwt.PyJWTError) as exc:  # the PEM does not parse
                raise errors.refused(
                    f"The GitHub App private key could not be used to sign a JWT "
                    f"({type(exc).__name__}). Paste the whole PEM file generated for the App."
                ) from None
            expires = auth.expires_at
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=UTC)
            return InstallationToken(auth.token, expires, dict(auth.permissions or {}))

        return call(
            exchange, f"get an installation token for installation {self.installation_id}",
            errors, self.retry,
            hint="Check the installation id (Settings → GitHub Apps → Configure: the number "
                 "at the end of the URL).",
        )


_ANY_PORT = ErrorTypes(Unavailable, Refused, NotFound)


def git_base_url(api_base_url: str) -> str:
    """Where git lives for an API base: github.com, or GitHub Enterprise's host root."""
    base = api_base_url.rstrip("/")
    if base == GITHUB_API:
        return "https://github.com"
    return base.removesuffix("/api/v3")
