"""The repository's test environment as the stages use it: which service an incident is in,
the environment built for it (tools/repo_env.py), its test command, and the sandbox every
test run of the incident goes through.

What the operator configured (``RepoRef``: settings or an eval case) wins over the
repository's own ``.github/alertfix.yml``, which wins over detection.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from pathlib import Path

from agent.context import Context
from agent.state import DEFAULT_TEST_COMMAND, Environment, IncidentState
from guardrails.policy import Policy, load_policy
from tools.ports import Sandbox
from tools.repo_env import EnvSpec
from tools.sandbox import SandboxLimits, SubprocessSandbox
from tools.test_command import detect_test_command


def _argv(command: str | tuple[str, ...] | list[str] | None) -> list[str] | None:
    if command is None:
        return None
    return shlex.split(command) if isinstance(command, str) else list(command)


def service_for(policy: Policy, paths: Iterable[str]) -> tuple[str, str]:
    """(path prefix, service directory) of the first configured service a path is in."""
    paths = [p for p in paths if p]
    for prefix, service in sorted(policy.services.items(), key=lambda kv: -len(kv[0])):
        bare = prefix.strip("/")
        for path in paths:
            rel = path.lstrip("/")
            if rel.startswith(bare + "/") or f"/{bare}/" in f"/{rel}":
                return prefix, service.path.strip("/")
    return "", ""


def incident_paths(state: IncidentState) -> list[str]:
    """Where the fault is: the root cause's file when known, else the alert's frames."""
    rc = state.root_cause
    if rc is not None and rc.location is not None:
        return [rc.location.path]
    frames = rc.frames if rc is not None else (state.alert.frames if state.alert else [])
    return [f.repo_path or f.abs_path or f.filename for f in reversed(frames) if f.in_app]


def prepare(ctx: Context, state: IncidentState, workdir: Path) -> Environment:
    """The environment for the checkout at ``workdir``: found in the cache or built.

    Raises ``tools.repo_env.EnvBuildError`` with the installer's output."""
    policy = load_policy(workdir)
    prefix, service = service_for(policy, incident_paths(state))
    conf = policy.services[prefix] if prefix else None
    python = state.repo.python or (conf.python if conf else None) or policy.python
    setup = state.repo.setup or (conf.setup if conf else None) or policy.setup
    configured = state.repo.test_command or _argv(conf.test_command if conf else None) \
        or _argv(policy.test_command)
    env = ctx.envs.ensure(workdir, EnvSpec(python=python, setup=setup, service=service))
    command = detect_test_command(workdir, service, configured)
    notes = list(env.notes)
    if service:
        notes.insert(0, f"service {service}/ (paths under {prefix}, .github/alertfix.yml)")
    return Environment(
        python=env.python, python_version=env.python_version, path=str(env.path), key=env.key,
        service=service, test_command=command.argv, test_kind=command.kind,
        test_command_from=command.why, pytest_args=command.pytest_args,
        pythonpath=env.pythonpath(), sources=list(env.sources), reused=env.reused,
        build_seconds=env.build_seconds, notes=notes)


def describe(env: Environment) -> str:
    """One line for the timeline and the notes."""
    deps = ", ".join(env.sources) or "no dependency files"
    how = "reused" if env.reused else f"built in {env.build_seconds:.1f} s"
    return (f"environment: python {env.python_version} ({how}; dependencies from {deps}); "
            f"tests: {shlex.join(env.test_command)} ({env.test_command_from})")


def sandbox(ctx: Context, env: Environment | None) -> Sandbox:
    """The sandbox a test run of this incident uses: on the environment's interpreter, with
    the worktree's code importable. Without an environment (a state from before the
    environment stage existed), the context's sandbox."""
    if env is None:
        return ctx.sandbox
    base = ctx.sandbox
    return sandbox_of(env, base.limits if isinstance(base, SubprocessSandbox) else None)


def sandbox_of(env: Environment, limits: SandboxLimits | None = None) -> SubprocessSandbox:
    return SubprocessSandbox(limits, python=env.python,
                             env={"PYTHONPATH": ":".join(env.pythonpath)})


def test_command(state: IncidentState) -> list[str]:
    if state.environment is not None:
        return list(state.environment.test_command)
    return list(state.repo.test_command or DEFAULT_TEST_COMMAND)
