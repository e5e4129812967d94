"""Ledger: unrelated commits any ledger case may use."""

from __future__ import annotations

from evals.independent.model import Commit, Write, dedent

IBAN = Commit("IBAN check digits for the onboarding form", (
    Write("ledger/iban.py", dedent('''
        """IBAN validation (ISO 13616 mod-97)."""

        from __future__ import annotations


        def is_valid(iban: str) -> bool:
            text = iban.replace(" ", "").upper()
            if len(text) < 15 or not text.isalnum():
                return False
            digits = "".join(str(int(ch, 36)) for ch in text[4:] + text[:4])
            return int(digits) % 97 == 1
        ''')),
    Write("tests/test_iban.py", dedent('''
        from ledger.iban import is_valid


        def test_iban():
            assert is_valid("DE89 3704 0044 0532 0130 00")
            assert not is_valid("DE89 3704 0044 0532 0130 01")
        ''')),
), author="Yuki Sato <yuki@acme.test>")

AUDIT = Commit("Audit log of admin actions", (
    Write("ledger/audit.py", dedent('''
        """Who did what in the admin console."""

        from __future__ import annotations

        AUDIT: list[tuple[str, str]] = []


        def record(user: str, action: str) -> None:
            AUDIT.append((user, action))
        ''')),
), author="Yuki Sato <yuki@acme.test>")

RUNBOOK = Commit("Docs: payout batch runbook", (
    Write("docs/payouts.md", dedent('''
        # Payout batch

        Runs at 01:00 UTC. Failed payouts are listed in the batch report and retried the
        next night; never re-run a batch by hand without checking the journal first.
        ''')),
), author="Omar Haddad <omar@acme.test>")

LINT = Commit("Add editorconfig", (
    Write(".editorconfig", "root = true\n\n[*.py]\nindent_style = space\nindent_size = 4\n"),
), author="Yuki Sato <yuki@acme.test>")
