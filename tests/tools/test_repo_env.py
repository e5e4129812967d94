"""One environment per repository, for real: venvs made by uv, a dependency installed from a
local wheel (no network in tests), the repository's tests run on the environment's
interpreter in the sandbox, the cache reused across instances and threads, pruning, and
test command detection (pytest config anywhere, unittest, src layouts, a service)."""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import textwrap
import threading
import zipfile
from pathlib import Path

import pytest

from agent.repair.runner import WarmWorker, written
from tools.repo_deps import (
    dependency_files,
    install_plan,
    poetry_requirements,
    pyproject_requirements,
    setup_cfg_requirements,
    tox_requirements,
)
from tools.repo_env import EnvBuildError, EnvSpec, RepoEnv, RepoEnvCache, find_python
from tools.test_command import detect_test_command
from tools.test_results import parse_unittest


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def make_wheel(dest: Path, name: str, version: str, files: dict[str, str]) -> Path:
    """A pure-python wheel, written by hand: what an index would serve, without one."""
    dist = f"{name}-{version}"
    info = f"{dist}.dist-info"
    contents = {**files,
                f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
                f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                 "Tag: py3-none-any\n"}
    record = []
    for path, text in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in contents.items():
            archive.writestr(path, text)
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel


@pytest.fixture
def service(tmp_path: Path) -> Path:
    """A src-layout service whose code needs a third-party package (a local wheel), with its
    pytest configuration in setup.cfg."""
    repo = tmp_path / "svc"
    make_wheel(repo / "vendor", "tinydep", "1.0", {"tinydep/__init__.py": "RATE = 3\n"})
    return write(repo, {
        "requirements.txt": "./vendor/tinydep-1.0-py3-none-any.whl\n",
        "setup.cfg": "[metadata]\nname = billing\n\n[tool:pytest]\ntestpaths = tests\n",
        "src/billing/__init__.py": "",
        "src/billing/fees.py": "import tinydep\n\n\ndef fee(n):\n    return n * tinydep.RATE\n",
        "tests/test_fees.py": """
            import sys
            from billing.fees import fee


            def test_fee():
                assert fee(2) == 6


            def test_runs_in_the_environment():
                import tinydep
                assert tinydep.__file__.startswith(sys.prefix)
        """,
    })  # fmt: skip


def outcomes(run: object) -> dict[str, str]:
    return {t.nodeid: t.outcome for t in run.tests}  # type: ignore[attr-defined]


# ---------------------------------------------------------------- building and using


def test_src_layout_service_with_a_dependency_runs_in_its_environment(
        service: Path, tmp_path: Path) -> None:
    with pytest.raises(ImportError):
        __import__("tinydep")  # alertfix's own environment does not have it
    cache = RepoEnvCache(tmp_path / "envs", index_env={})
    env = cache.ensure(service)
    assert not env.reused and env.sources == ("requirements.txt",)
    assert env.python == str(tmp_path / "envs" / env.key / "bin" / "python")
    assert any("pytest" in note and "alertfix's own installation" in note for note in env.notes)
    command = detect_test_command(service)
    assert command.kind == "pytest" and command.why == "pytest, configured in setup.cfg"
    run = env.sandbox().run(service, [*command.argv, "-p", "no:cacheprovider"], 120)
    assert outcomes(run) == {"tests/test_fees.py::test_fee": "passed",
                             "tests/test_fees.py::test_runs_in_the_environment": "passed"}, \
        run.output
    prefix = env.sandbox().run(service, ["python", "-c", "import sys, tinydep, pytest; "
                                         "print(sys.prefix, pytest.__file__)"], 60)
    where, pytest_file = prefix.output.split()
    assert where == str(env.path) and pytest_file.startswith(str(env.path))
    assert "netns" in run.isolation  # the tests never get the network; only the build did


def test_warm_worker_runs_on_the_environments_interpreter(service: Path, tmp_path: Path) -> None:
    env = RepoEnvCache(tmp_path / "envs", index_env={}).ensure(service)
    write(service, {"tests/test_where.py": """
        import sys, tinydep

        def test_prefix():
            assert sys.prefix == PREFIX
    """.replace("PREFIX", repr(str(env.path)))})
    with WarmWorker(env.sandbox(), service) as worker:
        base = worker.run({}, [], 60)
        patched = worker.run({"src/billing/fees.py": "def fee(n):\n    return 0\n"},
                             ["tests/test_fees.py::test_fee"], 60)
    assert outcomes(base)["tests/test_where.py::test_prefix"] == "passed"
    assert outcomes(base)["tests/test_fees.py::test_fee"] == "passed"
    assert outcomes(patched) == {"tests/test_fees.py::test_fee": "failed"}


def test_environment_is_cached_by_its_dependency_files(service: Path, tmp_path: Path) -> None:
    cache = RepoEnvCache(tmp_path / "envs", index_env={})
    assert cache.lookup(service) is None
    first = cache.ensure(service)
    (first.path / "sentinel").write_text("a rebuild would remove this")
    # Code changes every incident: same environment, found by another instance (process).
    (service / "src" / "billing" / "fees.py").write_text("def fee(n):\n    return n\n")
    again = RepoEnvCache(tmp_path / "envs", index_env={}).ensure(service)
    assert again.reused and again.key == first.key and (first.path / "sentinel").exists()
    assert again.build_seconds == 0.0 and again.sources == first.sources
    assert cache.lookup(service) == again
    assert sorted(p.name for p in (tmp_path / "envs").iterdir() if not p.name.startswith(
        ".")) == [first.key, f"{first.key}.lock"]
    # A dependency change is a new environment.
    (service / "requirements.txt").write_text("./vendor/tinydep-1.0-py3-none-any.whl  # v\n")
    assert cache.key(service) != first.key
    assert dependency_files(service) == ["requirements.txt", "setup.cfg"]


def test_concurrent_builders_build_once(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"pyproject.toml": "[project]\nname = 'x'\n"})
    results: list[RepoEnv] = []

    def ensure() -> None:
        results.append(RepoEnvCache(tmp_path / "envs", index_env={}).ensure(repo))

    threads = [threading.Thread(target=ensure) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.reused for r in results) == [False, True, True]
    assert len({r.path for r in results}) == 1


def test_a_repository_without_dependencies_needs_no_network(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"app.py": "X = 1\n", "test_app.py": "def test(): pass\n"})
    env = RepoEnvCache(tmp_path / "envs", index_env={"UV_OFFLINE": "1"}).ensure(repo)
    assert env.sources == ()
    run = env.sandbox().run(repo, ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], 60)
    assert outcomes(run) == {"test_app.py::test": "passed"}


def test_a_failed_build_says_what_the_installer_said_and_is_not_cached(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"requirements.txt": "./vendor/missing-1.0-py3-none-any.whl\n"})
    cache = RepoEnvCache(tmp_path / "envs", index_env={})
    with pytest.raises(EnvBuildError) as info:
        cache.ensure(repo)
    assert str(info.value).startswith("installing exited")
    assert "missing-1.0-py3-none-any.whl" in info.value.output  # uv's own words
    assert cache.lookup(repo) is None and not (tmp_path / "envs" / cache.key(repo)).exists()


def test_setup_command_runs_in_the_activated_environment(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_wheel(repo / "wheels", "tinydep", "1.0", {"tinydep/__init__.py": "RATE = 3\n"})
    spec = EnvSpec(setup="pip install --no-index --find-links wheels tinydep && "
                         "python -c 'import sys; open(\"where\", \"w\").write(sys.prefix)'")
    env = RepoEnvCache(tmp_path / "envs", index_env={}).ensure(repo, spec)
    assert env.sources == (f"setup: {spec.setup}",)
    assert (env.path / ".alertfix-src" / "where").read_text() == str(env.path)
    run = env.sandbox().run(repo, ["python", "-c", "import tinydep; print(tinydep.RATE)"], 60)
    assert run.output.strip() == "3"


# ---------------------------------------------------------------- pruning


def test_prune_by_age_then_by_size_keeping_the_one_in_use(tmp_path: Path) -> None:
    cache = RepoEnvCache(tmp_path / "envs", index_env={}, max_age_s=3600)
    made = []
    for i in range(3):
        repo = write(tmp_path / f"r{i}", {"pyproject.toml": f"[project]\nname = 'r{i}'\n"})
        made.append(cache.ensure(repo))
    now = 1_000_000_000.0
    for age, env in zip((10, 20, 7200), made, strict=True):  # seconds since last used
        os.utime(env.path / ".alertfix-ready", (now - age, now - age))
    assert cache.prune(now=now) == [made[2].key]  # unused for two hours
    assert made[0].path.exists() and made[1].path.exists() and not made[2].path.exists()
    cache.max_bytes = 1  # room for nothing: the least recently used goes first, `keep` stays
    assert cache.prune(keep=made[1].key, now=now) == [made[0].key]
    assert made[1].path.exists()


# ---------------------------------------------------------------- what to install


def test_install_plan_follows_the_documented_order(tmp_path: Path) -> None:
    pyproject = """
        [project]
        name = "svc"
        requires-python = ">=3.9"
        dependencies = ["fastapi>=0.100"]
        [project.optional-dependencies]
        test = ["pytest", "svc[docs]"]
        docs = ["sphinx"]
        [dependency-groups]
        lint = ["ruff"]
        dev = ["mypy", {include-group = "lint"}]
    """
    repo = write(tmp_path / "a", {"pyproject.toml": pyproject, "requirements-dev.txt": "x\n",
                                  "tox.ini": "[testenv]\ndeps =\n  pytest-mock\n  py311: y\n"})
    assert pyproject_requirements((repo / "pyproject.toml").read_text()) == [
        "fastapi>=0.100", "pytest", "mypy", "ruff"]
    plan = install_plan(repo)
    assert plan.sources == ["requirements-dev.txt", "pyproject.toml", "tox.ini"]
    assert plan.requirements == ["fastapi>=0.100", "pytest", "mypy", "ruff", "pytest-mock"]
    write(repo, {"uv.lock": "version = 1\n"})
    locked = install_plan(repo)  # a lock file is the whole answer
    assert locked.sources == ["uv.lock"] and locked.uv_export == ["--extra=test", "--group=dev"]
    poetry = write(tmp_path / "p", {"poetry.lock": """
        [[package]]
        name = "requests"
        version = "2.32.3"
        [[package]]
        name = "colorama"
        version = "0.4.6"
        markers = "sys_platform == 'win32'"
        [[package]]
        name = "extra-only"
        version = "1"
        optional = true
    """})
    assert poetry_requirements((poetry / "poetry.lock").read_text()) == [
        "requests==2.32.3", "colorama==0.4.6 ; sys_platform == 'win32'"]
    assert setup_cfg_requirements(
        "[options]\ninstall_requires =\n  click>=8\n[options.extras_require]\n"
        "testing =\n  pytest\ndocs = sphinx\n") == ["click>=8", "pytest"]
    assert tox_requirements("[testenv]\ndeps = -r{toxinidir}/req.txt\n", Path("/s")) == [
        "-r/s/req.txt"]
    setup_py = write(tmp_path / "s", {"setup.py": "setup(install_requires=['six'])\n"})
    assert install_plan(setup_py).editable and install_plan(setup_py).sources == ["setup.py"]


def test_python_is_the_requested_one_or_says_why_not(tmp_path: Path) -> None:
    mine = ".".join(map(str, sys.version_info[:3]))
    wants_any = write(tmp_path / "a", {"pyproject.toml": "[project]\nname='a'\n"
                                                         "requires-python = '>=3.8'\n"})
    assert find_python(wants_any, EnvSpec()).version == mine
    assert find_python(wants_any, EnvSpec()).note == ""
    ancient = write(tmp_path / "b", {".python-version": "2.6\n"})
    found = find_python(ancient, EnvSpec())
    assert found.version == mine
    assert found.note.startswith("python 2.6 (from .python-version) is not installed here")
    configured = find_python(ancient, EnvSpec(python=sys.executable))
    assert configured.path == sys.executable and configured.note == ""


# ---------------------------------------------------------------- the test command


def test_pytest_configuration_wherever_it_lives(tmp_path: Path) -> None:
    cases = {
        "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n",
        "pytest.ini": "[pytest]\n",
        "setup.cfg": "[tool:pytest]\ntestpaths = tests\n",
        "tox.ini": "[tox]\n[pytest]\ntestpaths = tests\n",
    }
    for name, text in cases.items():
        repo = write(tmp_path / name, {name: text, "tests/test_a.py": "import unittest\n"
                                       "class T(unittest.TestCase):\n    pass\n"})
        command = detect_test_command(repo)
        assert command.kind == "pytest" and command.why == f"pytest, configured in {name}"
    # A tox.ini or setup.cfg that does not configure pytest does not count.
    plain = write(tmp_path / "plain", {"tox.ini": "[tox]\n", "test_a.py": "def test(): pass\n"})
    assert detect_test_command(plain).why == "pytest (no configuration found)"
    configured = detect_test_command(plain, configured=["python", "-m", "pytest", "-x", "t"])
    assert configured.why == "configured" and configured.pytest_args == ["-x", "t"]


UNITTEST_TESTS = """
    import unittest
    from calc import add


    class TestCalc(unittest.TestCase):
        def test_add(self):
            self.assertEqual(add(1, 2), 3)

        def test_zero(self):
            \"\"\"Adding zeros.\"\"\"
            self.assertEqual(add(0, 0), 0)
"""


def test_unittest_repository_runs_by_discovery_with_pytest_style_ids(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"calc/__init__.py": "def add(a, b):\n    return a - b\n",
                                     "tests/__init__.py": "", "tests/test_calc.py": UNITTEST_TESTS})
    command = detect_test_command(repo)
    assert command.kind == "unittest"
    assert command.argv == ["python", "-m", "unittest", "discover", "-v", "-s", "tests",
                            "-t", "."]
    env = RepoEnvCache(tmp_path / "envs", index_env={}).ensure(repo)
    sandbox = env.sandbox()
    suite = sandbox.run(repo, command.argv, 60)
    assert outcomes(suite) == {"tests/test_calc.py::TestCalc::test_add": "failed",
                               "tests/test_calc.py::TestCalc::test_zero": "passed"}, suite.output
    failed = next(t for t in suite.tests if t.outcome == "failed")
    assert failed.message.startswith("AssertionError: -1 != 3")
    assert suite.exit_code == 1
    # alertfix's regression test is a plain function; it runs by node id like any other.
    regression = "from calc import add\n\n\ndef test_add_twos():\n    assert add(2, 2) == 4\n"
    write(repo, {"tests/test_alertfix_af_1.py": regression})
    ids = ["tests/test_alertfix_af_1.py::test_add_twos", "tests/test_calc.py::TestCalc::test_zero"]
    picked = sandbox.run(repo, [*command.argv, *ids], 60)
    assert outcomes(picked) == {ids[0]: "failed", ids[1]: "passed"}
    # ... and in the whole suite; the warm worker (pytest, in the environment) agrees.
    fixed = {"calc/__init__.py": "def add(a, b):\n    return a + b\n"}
    with WarmWorker(sandbox, repo, pytest_args=command.pytest_args) as worker:
        warm = worker.run(fixed, [], 60)
    # Written as alertfix's runner writes a candidate (agent/repair/runner.py): the old
    # bytecode goes too, since a same-size rewrite within the second would pass its check.
    with written(repo, fixed):
        cold = sandbox.run(repo, command.argv, 60)
    assert outcomes(warm) == outcomes(cold) == {ids[0]: "passed", ids[1]: "passed",
                                                "tests/test_calc.py::TestCalc::test_add": "passed"}


def test_unittest_output_is_parsed_from_python_310_and_later(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/test_m.py": ""})
    output = textwrap.dedent("""\
        test_a (pkg.test_m.T) ... ok
        test_b (pkg.test_m.T.test_b) ... skipped 'later'
        test_c (pkg.test_m.T.test_c) ... ERROR
        test_missing (unittest.loader._FailedTest.test_missing) ... ERROR

        ======================================================================
        ERROR: test_c (pkg.test_m.T.test_c)
        ----------------------------------------------------------------------
        Traceback (most recent call last):
          File "pkg/test_m.py", line 9, in test_c
        KeyError: 'tier'

        ----------------------------------------------------------------------
        Ran 4 tests in 0.001s
    """)
    results = {t.nodeid: (t.outcome, t.message.splitlines()[:1]) for t in
               parse_unittest(output, tmp_path)}
    assert results == {
        "pkg/test_m.py::T::test_a": ("passed", []),
        "pkg/test_m.py::T::test_b": ("skipped", []),
        "pkg/test_m.py::T::test_c": ("error", ["KeyError: 'tier'"]),
        "unittest.loader._FailedTest.test_missing": ("error", []),
    }


def test_a_service_in_a_subdirectory_runs_its_own_tests_with_repository_ids(
        tmp_path: Path) -> None:
    repo = write(tmp_path / "mono", {
        "tests/test_root.py": "def test_other_service():\n    assert False\n",
        "services/billing/pyproject.toml": "[project]\nname = 'billing'\n"
                                           "[tool.pytest.ini_options]\ntestpaths = ['tests']\n"
                                           "pythonpath = ['.']\n",
        "services/billing/billing/__init__.py": "RATE = 2\n",
        "services/billing/tests/conftest.py": "import pytest\n\n\n@pytest.fixture\n"
                                              "def rate():\n    return 2\n",
        "services/billing/tests/test_rate.py": "from billing import RATE\n\n\n"
                                               "def test_rate(rate):\n    assert RATE == rate\n",
    })  # fmt: skip
    command = detect_test_command(repo, "services/billing")
    assert command.argv == ["python", "-m", "pytest", "-q", "--rootdir=.", "-c",
                            "services/billing/pyproject.toml", "-o",
                            "testpaths=services/billing/tests"]
    env = RepoEnvCache(tmp_path / "envs", index_env={}).ensure(
        repo, EnvSpec(service="services/billing"))
    assert env.pythonpath() == ["{workdir}/services/billing/src", "{workdir}/services/billing",
                                "{workdir}"]
    sandbox = env.sandbox()
    run = sandbox.run(repo, [*command.argv, "-p", "no:cacheprovider"], 60)
    assert outcomes(run) == {"services/billing/tests/test_rate.py::test_rate": "passed"}, \
        run.output
    one = sandbox.run(repo, [*command.argv, "services/billing/tests/test_rate.py::test_rate"], 60)
    assert outcomes(one) == outcomes(run)
    with WarmWorker(sandbox, repo, pytest_args=command.pytest_args) as worker:
        assert outcomes(worker.run({}, [], 60)) == outcomes(run)


def test_unittest_repository_is_not_mistaken_when_it_also_has_pytest_tests(
        tmp_path: Path) -> None:
    repo = write(tmp_path / "r", {"tests/test_a.py": UNITTEST_TESTS,
                                  "tests/test_b.py": "def test_b():\n    pass\n"})
    assert detect_test_command(repo).kind == "pytest"
