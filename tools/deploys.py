"""Resolving an alert's release, and the deploys a `DeployHistory` lists, to commits.

The histories themselves are `tools.vcs.TagDeployHistory` (embedded: `deploy-<n>` tags) and
`GitHubForge.deploys` (the Deployments API). A release is a version string as the monitor
reports it (`shop@1.4.2`, `1.4.2+3f2a9c1`, a sha); `resolve_release` finds its commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import git

from tools import vcs
from tools.ports import Deploy

_HEX = re.compile(r"\b[0-9a-f]{7,40}\b")


# ---------------------------------------------------------------- release → commit


def resolve_release(repo: git.Repo, release: str, deploys: Sequence[Deploy] = ()) -> str | None:
    """The full sha of the commit an alert's `release` names, or None.

    Tried in order: a revision git knows (sha, tag, branch); a deploy named so; the part after
    `package@`; build metadata after `+`; tags `v<version>` and `release-<version>`; a sha-like
    token anywhere in the string.
    """
    release = release.strip()
    if not release:
        return None
    for deploy in deploys:
        if deploy.name == release:
            sha = vcs.resolve(repo, deploy.sha)
            if sha:
                return sha
    attempts = [release]
    version = release.rsplit("@", 1)[-1]
    attempts += [version, *version.split("+", 1)[1:], f"v{version}", f"release-{version}"]
    attempts += _HEX.findall(release.lower())
    for candidate in dict.fromkeys(attempts):
        if candidate.startswith("-"):
            continue  # never let a version reach git as an option
        sha = vcs.resolve(repo, candidate)
        if sha:
            return sha
    return None


def resolve_deploys(repo: git.Repo, deploys: list[Deploy]) -> list[Deploy]:
    """Deploys with `sha` made a full commit sha; those naming no known commit are left out."""
    out = []
    for deploy in deploys:
        sha = vcs.resolve(repo, deploy.sha) if deploy.sha and not deploy.sha.startswith("-") \
            else None
        sha = sha or resolve_release(repo, deploy.name)
        if sha:
            out.append(deploy if sha == deploy.sha else deploy.model_copy(update={"sha": sha}))
    return out
