"""The model as a repair strategy: it proposes replacements of the RCA-scoped functions, and
each answer becomes a candidate like any other, or is rejected with the reason.

It runs after the engine's search, on the same Search (so the same validator, differential
oracles and preservation checks, and later the same guardrails gate and confidence):

- `llm_mode = "fallback"`: only when no fix-class candidate passed;
- `llm_mode = "always"`: whatever the engine found; a passing model candidate then competes
  with the engine's by the search's own ranking (a fix before a mitigation, then the
  smallest, then the most natural).

Each round sends the prompt (prompts/llm/*.j2; alert text, stack, frame variables and test
output redacted and fenced as untrusted data), reads the answer (agent/repair/llm_scope.py),
and validates the survivor. A rejected or failing answer goes back to the model with the
reason and the redacted test output, up to `llm_rounds`; then the engine's result stands.
Budgets (agent/repair/llm_budget.py) are checked before every call. Nothing here raises: a
model error or a spent budget is a note, and the incident carries on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agent.repair.base import RepairInput, unified_diff
from agent.repair.classify import label
from agent.repair.llm_budget import Budget
from agent.repair.llm_scope import ANSWER_SCHEMA, Rejected, Scope, candidate_from, parse_answer
from agent.repair.naturalness import naturalness, ranking, removed_by_culprit, trigrams
from agent.settings import Settings
from agent.state import Candidate, ModelUsage, RootCause, Validation
from guardrails.gate import outgoing_text
from guardrails.redact import redact_vars
from guardrails.untrusted import fence, suspicious_instructions
from prompts import render
from tools.llm.base import ANSWER_TOOL, ChatModel, Message, ModelRequest
from tools.ports import Alert, ModelError, NotFound, Refused, Unavailable

if TYPE_CHECKING:
    from agent.repair.search import Search

OUTPUT_CHARS = 4000  # the tail of a failing run's output given back to the model
CULPRIT_CHARS = 12_000  # of the culprit's diff
_DURATION = re.compile(r"\b\d+(?:\.\d+)?s\b")
_SCRATCH = re.compile(r"(?:/[^\s/:'\"]+)+/(?:worktrees|alertfix-[^\s/]+)/[^\s/:'\"]+/")


def code_block(text: str, language: str = "python") -> str:
    """Repository code, fenced so that nothing inside can close the fence."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{text.rstrip()}\n{ticks}"


def _render(name: str, **variables: object) -> str:
    return outgoing_text(render(f"llm/{name}", {"fence": fence, "code": code_block},
                                tool=ANSWER_TOOL, **variables))


def _function(inp: RepairInput) -> dict[str, object]:
    text = inp.source.splitlines()[inp.function_start - 1:inp.function_end]
    return {"name": inp.function, "path": inp.path, "start": inp.function_start,
            "end": inp.function_end, "code": "\n".join(text), "lines": [inp.line]}


def _culprit_diff(inp: RepairInput) -> str:
    if inp.culprit is None:
        return ""
    diff = "".join(unified_diff(path, parent or "", commit or "")
                   for path, (parent, commit, _) in sorted(inp.culprit.files.items()))
    if len(diff) > CULPRIT_CHARS:  # a sweeping commit: its start, and say so
        diff = diff[:CULPRIT_CHARS] + f"\n[{len(diff) - CULPRIT_CHARS} more characters]\n"
    return diff


def _conventions(inp: RepairInput) -> list[str]:
    imports = [line for line in inp.source.splitlines()
               if line.startswith(("import ", "from "))]
    said = [f"`{inp.path}` imports: {'; '.join(imports)}" if imports
            else f"`{inp.path}` imports nothing"]
    indent = "tabs" if "\n\t" in inp.source else "4 spaces"
    said.append(f"indentation: {indent}; keep the surrounding code's names and style")
    return said


def first_prompt(inp: RepairInput, scope: Scope, alert: Alert, rc: RootCause,
                 failing_tests: list[str]) -> str:
    functions, context, shown = [_function(inp)], [], {inp.function}
    for caller in inp.callers:  # those in the same file may change; the others are context
        if caller.path == inp.path and caller.function in scope.functions:
            if caller.function not in shown:
                functions.append(_function(caller))
                shown.add(caller.function)
        else:
            context.append(_function(caller))
    frames = [f for f in rc.frames or alert.frames if f.in_app]
    stack = "\n".join(f"{f.repo_path or f.filename}:{f.lineno} in {f.function}"
                      + (f"\n    {f.context_line.strip()}" if f.context_line else "")
                      for f in frames)
    crash = frames[-1] if frames else None
    variables = (json.dumps(redact_vars(crash.vars), indent=1, sort_keys=True, default=str)
                 if crash is not None and crash.vars else "")
    message = inp.exception_message or alert.exception_message
    return _render("repair.md.j2", exception_type=inp.exception_type, function=inp.function,
                   path=inp.path, line=inp.line, message=message, stack=stack,
                   variables=variables, failing_tests=failing_tests,
                   injection=suspicious_instructions(f"{alert.title}\n{message}\n{variables}"),
                   functions=functions, context=context,
                   culprit_diff=_culprit_diff(inp),
                   culprit_summary=inp.culprit.summary if inp.culprit else "",
                   conventions=_conventions(inp))


def stable_output(text: str) -> str:
    """Test output without what changes from run to run (durations, scratch paths), so the
    same failure makes the same request (and replays)."""
    return _SCRATCH.sub("", _DURATION.sub("…s", text))[-OUTPUT_CHARS:]


@dataclass
class ModelRepair:
    model: ChatModel
    settings: Settings
    budget: Budget
    usage: ModelUsage = field(init=False)

    def __post_init__(self) -> None:
        self.usage = ModelUsage(provider=self.model.provider, model=self.model.model,
                                mode=self.settings.llm_mode)

    @property
    def strategy(self) -> str:
        return f"llm:{self.model.provider}"

    def wanted(self, chosen: Candidate | None) -> str | None:
        """Why the model is not asked, or None when it is."""
        if self.settings.llm_mode == "off":
            return "llm_mode is off"
        if self.settings.llm_mode == "fallback" and chosen is not None \
                and chosen.fix_class == "fix":
            return f"a fix passed ({chosen.id}); llm_mode fallback asks only when none did"
        return None

    def run(self, search: Search, inp: RepairInput, alert: Alert, rc: RootCause) -> ModelUsage:
        try:
            self._rounds(search, inp, alert, rc)
        except Exception as exc:  # the engine never raises: a broken round is a note
            self.usage.stopped = f"failed ({type(exc).__name__}: {exc})"
        search.result.notes.append(self.usage.line())
        return self.usage

    def _rounds(self, search: Search, inp: RepairInput, alert: Alert, rc: RootCause) -> None:
        scope = Scope.of(inp)
        system = _render("system.md.j2")
        messages = [Message(role="user", content=first_prompt(
            inp, scope, alert, rc, search.validator.reproduction))]
        for round_no in range(1, self.settings.llm_rounds + 1):
            request = ModelRequest(system=system, messages=messages,
                                   answer_schema=ANSWER_SCHEMA,
                                   max_tokens=self.settings.llm_max_tokens)
            stop = self.budget.stops(self.usage, request)
            if stop:
                self.usage.stopped = f"stopped by the budget: {stop}; the engine's result stands"
                return
            try:
                answer = self.model.complete(request)
            except ModelError as exc:
                kind = next((k.__name__ for k in (Unavailable, Refused, NotFound)
                             if isinstance(exc, k)), type(exc).__name__)
                self.usage.stopped = (f"the model failed ({kind}: {exc}); the engine's result "
                                      "stands")
                return
            self.budget.record(self.usage, answer)
            messages.append(Message(role="assistant", content=answer.text))
            feedback = self._try(search, inp, scope, answer.text, round_no)
            if feedback is None:
                self.usage.stopped = f"a model candidate passed in round {round_no}"
                return
            messages.append(Message(role="user", content=feedback))
        self.usage.stopped = (f"no model candidate passed in {self.settings.llm_rounds} "
                              "round(s); the engine's result stands")

    def _try(self, search: Search, inp: RepairInput, scope: Scope, text: str,
             round_no: int) -> str | None:
        """None when the answer's candidate was accepted (and chosen if it ranks first);
        otherwise the feedback for the next round."""
        allowed = sorted(scope.functions)
        try:
            explanation, replacements = parse_answer(text)
            candidate = candidate_from(inp, scope, replacements, self.strategy, explanation)
            kept, invented = label([candidate], removed_by_culprit(inp))
            if not kept:
                raise Rejected(invented[0].split(": ", 2)[1])
        except Rejected as exc:
            reason = str(exc)
            self.usage.rejected.append(f"round {round_no}: {reason}")
            search.result.notes.append(f"{self.strategy}: answer {round_no} rejected: {reason}")
            return _render("feedback.md.j2", rejected=True, reason=reason, allowed=allowed,
                           candidate="", stage="", output="")
        candidate = kept[0]
        candidate.naturalness = naturalness(
            candidate, trigrams(inp.repo_sources.values() or [inp.source]),
            removed_by_culprit(inp))
        engine = search.result.chosen
        passed = search.try_candidates(f"{self.strategy} round {round_no}", [candidate])
        if passed is not None:
            if engine is None or ranking(passed) < ranking(engine):
                search.result.chosen = passed
                if engine is not None:
                    search.result.notes.append(
                        f"{self.strategy}: {passed.id} passed and ranks before the engine's "
                        f"{engine.id} (a fix before a mitigation, then the smaller change)")
            else:
                search.result.notes.append(
                    f"{self.strategy}: {passed.id} passed, but the engine's {engine.id} ranks "
                    "first (a fix before a mitigation, then the smaller, more natural change)")
            return None
        validation = next((v for v in search.result.validations
                           if v.candidate_id == candidate.id), None)
        if validation is None:
            reason = "it is the same change as a candidate already tried and rejected"
            return _render("feedback.md.j2", rejected=True, reason=reason, allowed=allowed,
                           candidate="", stage="", output="")
        return _render("feedback.md.j2", rejected=False, candidate=candidate.id,
                       stage=validation.stage or "first", reason=validation.detail,
                       output=self._output(search, candidate, validation), allowed=allowed)

    def _output(self, search: Search, candidate: Candidate, validation: Validation) -> str:
        """The failing tests' output with the candidate in place, for the model to read."""
        tests = validation.failed_tests[:3] or search.validator.reproduction
        if not tests or "timed out" in validation.detail:
            return ""
        run = search.validator.runner.run(candidate.changed_files(), tests,
                                          search.validator.timeout_s)
        failed = "\n".join(f"{t.nodeid} {t.outcome}: {t.message}" for t in run.tests
                           if t.outcome in ("failed", "error") and t.message)
        return stable_output(run.output if run.output.strip() else failed)
