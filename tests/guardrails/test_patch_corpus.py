"""Every case of corpus/patches.yaml gets exactly the verdict and reasons it lists."""

from __future__ import annotations

import pytest

from guardrails.patch import check_patch
from tests.guardrails.corpus_loader import PatchCase, patch_cases

CASES = patch_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_patch_verdict(case: PatchCase) -> None:
    verdict = check_patch(case.changes, case.policy, case.scope, case.exception_type)
    assert list(verdict.reasons) == case.reasons
    assert verdict.allowed is case.allowed


def test_corpus_covers_every_rule() -> None:
    # Each rule of the issue is violated at least once; a rule without a bad patch is untested.
    reasons = " | ".join(r for case in CASES for r in case.reasons)
    for marker in [
        "is forbidden by policy", "outside the paths policy allows", "outside the repository",
        "files; policy allows", "lines (+", "does not parse", "deletes test file", "removes test ",
        "removes assertion", "changes assertion", "always passes", "adds `skip`", "adds `xfail`",
        "which can change which tests run", "changes test configuration", "swallows every error",
        "that silences KeyError", "adds dependency", "changes dependency manifest",
        "imports new third-party module", "dynamic import", "looks like a secret (github-token)",
        "looks like a secret (high-entropy-string)", "the root cause names",
        "alertfix is disabled", "is invalid",
    ]:  # fmt: skip
        assert marker in reasons, marker
    assert sum(case.allowed for case in CASES) >= 5  # and patches that must not be denied
