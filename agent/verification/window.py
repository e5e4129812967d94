"""How long to watch after a deploy, and what the counts say, from the fault's own rate.

A fault seen `n` times in `T` before the deploy happens at about λ = n/T. If the deploy did
not fix it, the chance of seeing no event in a window `w` is exp(-λw) (Poisson): the fix is
verified once that chance is below 1 - confidence (5%), i.e. after w = ln(20)/λ. A monitor with
a background (an error-rate metric counts other errors too) compares against that background:
the fix is verified when the count after is improbably low for background + fault, and has
regressed when it is improbably high for the background alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from agent.rca.timeline import span

Verdict = Literal["verified", "regressed", "waiting", "unverified"]


def poisson_cdf(k: int, mu: float) -> float:
    """P(X ≤ k) for X ~ Poisson(mu), summed in log space (safe for large mu)."""
    if k < 0:
        return 0.0
    if mu <= 0:
        return 1.0
    log_terms = [i * math.log(mu) - mu - math.lgamma(i + 1) for i in range(k + 1)]
    top = max(log_terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in log_terms))


def poisson_sf(k: int, mu: float) -> float:
    """P(X ≥ k)."""
    return 1.0 - poisson_cdf(k - 1, mu) if k > 0 else 1.0


@dataclass(frozen=True)
class Counted:
    """`count` sightings over `seconds`."""

    count: float
    seconds: float

    @property
    def per_s(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


def needed_s(fault_per_s: float, confidence: float) -> float | None:
    """Seconds without the fault after which its absence is significant; None when the
    fault has no measurable rate (nothing can verify it by traffic)."""
    if fault_per_s <= 0:
        return None
    return math.log(1 / (1 - confidence)) / fault_per_s


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    p_value: float | None  # P(so few sightings after | the fault is still there)
    text: str


def p_text(p: float) -> str:
    """0.031 → "0.03"; 1.2e-6 → "1e-6"."""
    if p >= 0.01:
        return f"{p:.2f}"
    mantissa, exponent = f"{p:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def p_phrase(p: float) -> str:
    """"p ≈ 1e-6", or "p < 1e-12" for what a float can barely hold."""
    return "p < 1e-12" if p < 1e-12 else f"p ≈ {p_text(p)}"


def _times(count: float) -> str:
    n = round(count)
    return "once" if n == 1 else f"{n} times"


def judge(before: Counted, after: Counted, confidence: float, final: bool,
          background_per_s: float = 0.0, noun: str = "") -> Judgement:
    """The verdict on one monitor's counts. `before` is the fault's span before the deploy,
    `after` the window since; `final` means the maximum window is reached. `noun` names what
    a metric counts ("errors"); sightings read "seen N times"."""
    fault_per_s = before.per_s - background_per_s
    seen = f"{round(before.count)} {noun}" if noun else f"seen {_times(before.count)}"
    words = (f"{seen} in {span(timedelta(seconds=before.seconds))} "
             f"before; {round(after.count)} in {span(timedelta(seconds=after.seconds))} after")
    observed = int(after.count)
    if background_per_s <= 0 and after.count >= 1:
        return Judgement("regressed", None, words + ": the fault is back")
    if background_per_s > 0 and \
            poisson_sf(math.ceil(after.count), background_per_s * after.seconds) < 1 - confidence:
        return Judgement("regressed", None, words + ": still above the rate before the fault")
    if fault_per_s <= 0:
        return Judgement("unverified" if final else "waiting", None,
                         words + ": no rate to judge the fix by")
    p = poisson_cdf(observed, before.per_s * after.seconds)
    if p < 1 - confidence:
        return Judgement("verified", p, f"{words}; {p_phrase(p)}")
    return Judgement("unverified" if final else "waiting", p,
                     f"{words}; {p_phrase(p)}, not yet below {p_text(1 - confidence)}")
