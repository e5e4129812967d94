"""What the ticket shows of a verification: the chart as an attachment, and how long alertfix
watched and why."""

from __future__ import annotations

from datetime import timedelta

from agent.rca.timeline import span
from agent.state import Verification
from agent.verification.chart import render_mermaid, render_svg
from agent.verification.window import p_phrase, p_text
from tools.ports import Attachment


def chart_attachment(verification: Verification) -> Attachment | None:
    """The before/after chart of the fault's rate; None when no monitor gave a series."""
    if not verification.chart:
        return None
    deploy = verification.deploy
    title = f"Fault rate before and after {deploy.name} ({verification.monitor})"
    caption = {"verified": "verified", "unverified": "fixed, not verified by traffic",
               "regressed": "back after the deploy"}[verification.verdict]
    if verification.p_value is not None:
        caption += f"; {p_phrase(verification.p_value)}"
    svg = render_svg(verification.chart, verification.chart_bucket_s, deploy.deployed_at,
                     title, caption, regressed=verification.verdict == "regressed")
    return Attachment(
        filename=f"verification-{deploy.name}.svg".replace("/", "-"),
        content=svg.encode(), content_type="image/svg+xml",
        alt=f"{title}: {caption}",
        markdown=render_mermaid(verification.chart, deploy.deployed_at, title))


def watched(verification: Verification, confidence: float) -> tuple[str, str]:
    """("2 h", "why that long") for the closing comment."""
    how_long = span(timedelta(seconds=verification.window_s))
    threshold = p_text(1 - confidence)
    if verification.needed_s is None:
        why = "no monitor gave the fault a rate to judge by"
    else:
        needed = span(timedelta(seconds=verification.needed_s))
        why = (f"at the fault's rate before the deploy, {needed} without it makes the chance "
               f"of that, were it still there, less than {threshold}")
    if verification.verdict == "unverified":
        why += "; the maximum window ended first"
    return how_long, why
