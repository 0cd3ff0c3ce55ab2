"""SVG charts of the analytics reports, drawn as markup the PDF lays out (WeasyPrint renders
inline SVG): the funnel (reached and completed per tool) and pace (each member's tools against
the program median). Drawing only: the figures, and which are too few to show, come from SQL.
A figure that is not a number (the "too few to show" marker) is drawn as that text.
"""

from __future__ import annotations

from numbers import Number
from typing import Any

from markupsafe import Markup, escape

WIDTH = 500  # user units; the SVG scales to the column's width
LABEL = 130  # room for a tool's or a member's name
ROW = 15
NAVY, ACCENT, PALE, MUTED, RULE = "#16324f", "#d9622b", "#c9d6e3", "#5f6b7a", "#d9dfe6"
FONT = 'font-family="Lato, DejaVu Sans, sans-serif"'


def shown(value: Any) -> bool:
    """Whether a figure is a number (not the marker, not missing)."""
    return isinstance(value, Number) and not isinstance(value, bool)


def _text(
    x: float,
    y: float,
    text: Any,
    *,
    size: float = 8,
    fill: str = MUTED,
    anchor: str = "start",
    weight: int = 400,
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}" '
        f'font-weight="{weight}" {FONT}>{escape(str(text))}</text>'
    )


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}"/>'
    )


def _svg(height: float, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def funnel_chart(steps: list[dict[str, Any]], members: int) -> Markup:
    """One row per tool: a pale bar for members who reached it, a navy one for those who
    completed it, as a share of the members; the counts at the bar's end."""
    scale = (WIDTH - LABEL - 70) / max(members, 1)
    body = [
        f'<rect x="{LABEL}" y="3" width="8" height="7" fill="{PALE}"/>',
        _text(LABEL + 11, 9, "reached", fill=MUTED),
        f'<rect x="{LABEL + 50}" y="3" width="8" height="7" fill="{NAVY}"/>',
        _text(LABEL + 61, 9, "completed (completed / reached)", fill=MUTED),
    ]
    for index, step in enumerate(steps):
        y = 18 + index * ROW
        tool = step["tool"]
        body.append(
            _text(
                LABEL - 6,
                y + 9,
                f"{tool['sprint_number']:02d} {tool['name']}",
                anchor="end",
                fill="#1f2933",
            )
        )
        body.append(
            f'<line x1="{LABEL}" y1="{y}" x2="{LABEL}" y2="{y + ROW - 2}" stroke="{RULE}"/>'
        )
        reached, completed = step["reached"], step["completed"]
        if not (shown(reached) and shown(completed)):
            body.append(_text(LABEL + 4, y + 9, "too few to show", fill=MUTED))
            continue
        body.append(_rect(LABEL, y + 1, reached * scale, ROW - 4, PALE))
        body.append(_rect(LABEL, y + 3, completed * scale, ROW - 8, NAVY))
        body.append(
            _text(LABEL + reached * scale + 4, y + 9, f"{completed} / {reached}", fill="#1f2933")
        )
    return _svg(
        18 + len(steps) * ROW + 4, body, "Funnel: members who reached and completed each tool"
    )


def pace_chart(members: list[dict[str, Any]]) -> Markup:
    """One row per member with a program figure: a bar from the program's median (the centre
    line) to their tools completed, orange when behind, navy when ahead."""
    rows = [m for m in members if shown(m.get("difference"))]
    spread = max([abs(m["difference"]) for m in rows] + [1])
    margin = 50  # room for the labels beyond the longest bars
    half = (WIDTH - LABEL - 2 * margin) / 2
    centre = LABEL + margin + half
    unit = half / spread
    body = [
        _text(centre, 9, "program median", anchor="middle"),
        _text(centre - half, 9, f"-{spread}", anchor="middle"),
        _text(centre + half, 9, f"+{spread} tools", anchor="middle"),
    ]
    top = 16
    for index, member in enumerate(rows):
        y = top + index * ROW
        name = member["user"].get("full_name") or member["user"].get("email") or ""
        body.append(_text(LABEL - 6, y + 9, name[:28], anchor="end", fill="#1f2933"))
        difference = member["difference"]
        width = abs(difference) * unit
        x = centre if difference >= 0 else centre - width
        colour = NAVY if difference >= 0 else ACCENT
        if difference:
            body.append(_rect(x, y + 2, width, ROW - 5, colour))
        label = (
            f"{member['tools_completed']} ({difference:+d})"
            if isinstance(difference, int)
            else str(difference)
        )
        body.append(
            _text(
                x + width + 3 if difference >= 0 else x - 3,
                y + 9,
                label,
                anchor="start" if difference >= 0 else "end",
                fill="#1f2933",
            )
        )
    bottom = top + len(rows) * ROW
    body.append(
        f'<line x1="{centre}" y1="{top - 2}" x2="{centre}" y2="{bottom}" stroke="{MUTED}" '
        'stroke-dasharray="2,2"/>'
    )
    return _svg(
        bottom + 4,
        body,
        "Pace: tools completed against the program median at the same day since joining",
    )
