"""Budgets for the model path: tokens, calls and money per incident and per UTC day.

The incident's spend lives in its ModelUsage; the day's in a small SQLite ledger in alertfix's
home, shared by every process (a server and its workers). A call is made only when its
worst case (the prompt, estimated at 4 characters a token, plus the answer's maximum) fits
what is left; when it does not, the engine's result stands and the reason is recorded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from agent.settings import Settings
from agent.state import ModelUsage
from tools.llm.base import ModelAnswer, ModelRequest


def price_of(prices: Mapping[str, tuple[float, float]], model: str,
             answer: ModelAnswer) -> float | None:
    """The answer's cost, or None when the table knows neither the model asked for nor the
    one that answered (a dated snapshot name is matched by its base name)."""
    for name in (model, answer.model):
        for known, (per_input, per_output) in prices.items():
            if name == known or name.startswith(known + "-20"):
                return (answer.input_tokens * per_input
                        + answer.output_tokens * per_output) / 1_000_000
    return None


def estimated_tokens(request: ModelRequest) -> int:
    chars = len(request.system) + sum(len(m.content) for m in request.messages)
    return chars // 4 + request.max_tokens


@dataclass(frozen=True)
class Limits:
    tokens: int
    calls: int
    cost: float

    def exceeded(self, calls: int, tokens: int, cost: float, next_tokens: int,
                 where: str) -> str | None:
        if calls >= self.calls:
            return f"the {where} budget of {self.calls} call(s) is spent"
        if tokens + next_tokens > self.tokens:
            return (f"the {where} budget of {self.tokens} tokens would be exceeded "
                    f"({tokens} spent, the next call may take {next_tokens})")
        if cost >= self.cost:
            return f"the {where} budget of {self.cost:g} is spent ({cost:.6f})"
        return None


class DailyLedger:
    """Calls, tokens and cost per UTC day, across processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS model_usage (day TEXT PRIMARY KEY, "
                       "calls INTEGER NOT NULL, tokens INTEGER NOT NULL, cost REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    @staticmethod
    def today() -> str:
        return datetime.now(UTC).date().isoformat()

    def spent(self, day: str | None = None) -> tuple[int, int, float]:
        with closing(self._connect()) as db:
            row = db.execute("SELECT calls, tokens, cost FROM model_usage WHERE day = ?",
                             (day or self.today(),)).fetchone()
        return (row[0], row[1], row[2]) if row else (0, 0, 0.0)

    def add(self, tokens: int, cost: float) -> None:
        with closing(self._connect()) as db, db:
            db.execute("INSERT INTO model_usage VALUES (?, 1, ?, ?) ON CONFLICT(day) DO UPDATE "
                       "SET calls = calls + 1, tokens = tokens + excluded.tokens, "
                       "cost = cost + excluded.cost", (self.today(), tokens, cost))


@dataclass
class Budget:
    incident: Limits
    daily: Limits
    ledger: DailyLedger
    prices: Mapping[str, tuple[float, float]]

    @classmethod
    def from_settings(cls, settings: Settings) -> Budget:
        return cls(Limits(settings.llm_incident_tokens, settings.llm_incident_calls,
                          settings.llm_incident_cost),
                   Limits(settings.llm_daily_tokens, settings.llm_daily_calls,
                          settings.llm_daily_cost),
                   DailyLedger(settings.home / "model_usage.db"), settings.llm_prices)

    def stops(self, usage: ModelUsage, request: ModelRequest) -> str | None:
        """Why the next call may not be made, or None."""
        need = estimated_tokens(request)
        return (self.incident.exceeded(usage.calls, usage.tokens, usage.cost, need,
                                       "incident's")
                or self.daily.exceeded(*self.ledger.spent(), need, "day's"))

    def record(self, usage: ModelUsage, answer: ModelAnswer) -> None:
        cost = price_of(self.prices, usage.model, answer)
        usage.calls += 1
        usage.input_tokens += answer.input_tokens
        usage.output_tokens += answer.output_tokens
        usage.cost += cost or 0.0
        usage.priced = usage.priced and cost is not None
        usage.seconds = round(usage.seconds + answer.seconds, 3)
        self.ledger.add(answer.tokens, cost or 0.0)
