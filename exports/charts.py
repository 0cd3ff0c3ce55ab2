"""The team report's charts as inline SVG, drawn from the team view's summaries (no JavaScript:
WeasyPrint draws SVG itself). Every text in them is escaped; the figures come from SQL
(shared.answer_summary), the charts only place them.

- readiness: one stacked bar, submitted / in progress / not started;
- counts: one bar per distinct value (a row of the chart's table: the label wraps as text, the
  bar is SVG), at most MAX_BARS, the rest said in a line;
- numbers: a strip from min to max, a dot per answer, the median and the mean marked.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from exports.environment import number

MAX_BARS = 12  # distinct values drawn; the rest are counted in a line under the chart
MAX_DOTS = 200  # answers drawn on a numbers strip (the figures count them all)
BAR_WIDTH = 300  # user units of a bar at its longest
READY_COLORS = {"submitted": "#2e8b57", "in_progress": "#e0a030", "not_started": "#c5ccd5"}
NAVY, ACCENT, RULE = "#16324f", "#d9622b", "#d9dfe6"
TEXT = (
    'text-anchor="middle" font-family="Lato, DejaVu Sans, sans-serif" font-size="11" fill="#5f6b7a"'
)


def as_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return float(value)


def readiness_bar(readiness: dict[str, Any]) -> Markup:
    """Submitted, in progress and not started as one bar of the team's width."""
    total = max(int(readiness.get("members") or 0), 1)
    parts, x = [], 0.0
    for key, color in READY_COLORS.items():
        width = 600 * int(readiness.get(key) or 0) / total
        if width > 0:
            parts.append(
                f'<rect x="{x:.1f}" y="0" width="{width:.1f}" height="18" fill="{color}"/>'
            )
        x += width
    if not parts:
        parts.append(f'<rect x="0" y="0" width="600" height="18" fill="{RULE}"/>')
    return Markup(
        '<svg class="chart readiness-bar" viewBox="0 0 600 18" preserveAspectRatio="none"'
        ' xmlns="http://www.w3.org/2000/svg" role="img" aria-label="readiness">'
        + "".join(parts)
        + "</svg>"
    )


def count_bars(counts: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows for a counts chart: label, count, the bar as SVG; and how many values were not
    drawn (`more`, `more_answers`)."""
    shown = counts[:MAX_BARS]
    top = max((int(c.get("count") or 0) for c in shown), default=1) or 1
    rows = []
    for entry in shown:
        n = int(entry.get("count") or 0)
        width = max(2.0, BAR_WIDTH * n / top)
        bar = Markup(
            f'<svg class="chart bar" viewBox="0 0 {BAR_WIDTH} 10" preserveAspectRatio="none"'
            ' xmlns="http://www.w3.org/2000/svg" role="img">'
            f'<rect x="0" y="0" width="{width:.1f}" height="10" rx="1.5" fill="{NAVY}"/></svg>'
        )
        rows.append({"label": entry.get("value"), "count": n, "bar": bar})
    rest = counts[MAX_BARS:]
    return {
        "rows": rows,
        "more": len(rest),
        "more_answers": sum(int(c.get("count") or 0) for c in rest),
    }


def number_strip(summary: dict[str, Any], values: list[Any]) -> Markup | None:
    """A strip from min to max: a dot per answer (a stack where several are equal), the median
    (accent line) and the mean (navy diamond), the ends labelled. None without numbers."""
    low, high = as_float(summary.get("min")), as_float(summary.get("max"))
    if low is None or high is None:
        return None
    span = (high - low) or 1.0
    left, right, axis = 40.0, 560.0, 30.0

    def at(value: float) -> float:
        return left + (right - left) * ((value - low) / span if high != low else 0.5)

    stacks: dict[float, int] = {}
    dots = []
    for value in (as_float(v) for v in values[:MAX_DOTS]):
        if value is None:
            continue
        x = round(at(value), 1)
        level = stacks.get(x, 0)
        stacks[x] = level + 1
        dots.append(
            f'<circle cx="{x}" cy="{axis - 6 - 7 * min(level, 3)}" r="3.2" fill="{NAVY}"'
            ' fill-opacity="0.75"/>'
        )
    marks = []
    median, mean = as_float(summary.get("median")), as_float(summary.get("mean"))
    if median is not None:
        x = at(median)
        marks.append(
            f'<line x1="{x:.1f}" y1="{axis - 30}" x2="{x:.1f}" y2="{axis + 4}" stroke="{ACCENT}"'
            ' stroke-width="2"/>'
        )
    if mean is not None:
        x = at(mean)
        marks.append(f'<path d="M {x:.1f} {axis + 2} l 4 5 l -4 5 l -4 -5 z" fill="{NAVY}"/>')
    labels = [
        f'<text x="{left}" y="{axis + 20}" {TEXT}>{escape(number(summary["min"]))}</text>',
        f'<text x="{right}" y="{axis + 20}" {TEXT}>{escape(number(summary["max"]))}</text>',
    ]  # fmt: skip
    return Markup(
        '<svg class="chart strip" viewBox="0 0 600 56" xmlns="http://www.w3.org/2000/svg"'
        ' role="img" aria-label="distribution">'
        f'<line x1="{left}" y1="{axis}" x2="{right}" y2="{axis}" stroke="{RULE}"'
        ' stroke-width="1.5"/>' + "".join(dots + marks + labels) + "</svg>"
    )
