"""Blind incident cases: written from the case format and the judging rules only, by someone
who did not read the repair engine (agent/, tools/, prompts/, guardrails/).

Each spec carries its known-good fix and the crash-hiding or partial mitigations a reviewer
must reject; `python -m evals.blind check` proves the judge tells them apart.
"""
