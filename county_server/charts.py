"""Inline SVG charts, drawn on the server (no JavaScript, no CDN), from already-suppressed values.

``bar_chart`` draws one bar per label (optionally a second, lighter bar for the same months of
the previous fiscal year). The value axis has round steps (1, 2 or 5 × a power of ten, starting
at 0), both axes are labelled with their units, and a suppressed value (``None``) is drawn as an
empty, dashed slot marked "*", explained in the chart's legend. Colours are SVG presentation
attributes (allowed by the strict Content-Security-Policy) and stay distinct in grey print.
Every chart on a page is also shown as a table (the page's own table), for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

CURRENT = "#2f6f8f"
PREVIOUS = "#b7cbd6"


def nice_step(top: float, intervals: int = 5) -> float:
    """The smallest round step (1, 2 or 5 × 10^k) that covers ``top`` in ``intervals`` steps."""
    if top <= 0:
        return 1.0
    raw = top / intervals
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw - 1e-12:
            return float(m * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def ticks(top: float, *, integer: bool = True, intervals: int = 5) -> list[float]:
    """Round tick values from 0 up to the first tick at or above ``top``."""
    step = nice_step(top, intervals)
    if integer:
        step = max(1.0, step)
    count = max(1, math.ceil(top / step - 1e-9))
    return [round(step * i, 10) for i in range(count + 1)]


def _tick_text(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[int | float | None],
    *,
    unit: str = "",
    y_label: str = "",
    x_label: str = "",
    previous: Sequence[int | float | None] | None = None,
    series: tuple[str, str] = ("", ""),
    width: int = 760,
    height: int = 250,
    percent: bool = False,
    y_max: float | None = None,
) -> Markup:
    """One bar per label; ``previous`` (same length) adds a lighter bar beside each; ``y_max``
    sets a common scale (small multiples share one)."""
    n = max(1, len(labels))
    small = width < 400
    font = 9 if small else 10
    left, right = (40 if small else 64), 10
    top, bottom = (30 if small else 34), (44 if small else 58)
    plot_w, plot_h = width - left - right, height - top - bottom
    both = list(values) + list(previous or [])
    shown = [float(v) for v in both if v is not None]
    if percent:
        axis = ticks(max(max(shown, default=0.0), 0.1), integer=False, intervals=4)
        axis = [min(t, 1.0) for t in axis if t <= 1.0 + 1e-9] or [0.0, 1.0]
    else:
        top_value = max(max(shown, default=0.0), y_max or 0.0)
        axis = ticks(top_value or 10.0, intervals=4 if small else 5)
    vmax = axis[-1] or 1.0
    slot = plot_w / n
    pair = previous is not None
    bar_w = max(1.5, slot * (0.38 if pair else 0.7))
    label = title
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart{" small" if small else ""}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        f'<text x="4" y="14" font-size="{font + 3}" font-weight="bold" fill="#222">'
        f"{escape(title)}</text>",
    ]
    for t in axis:
        y = top + plot_h * (1 - t / vmax)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{"#888" if t == 0 else "#ddd"}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 5}" y="{y + 3.5:.1f}" font-size="{font}" text-anchor="end" '
            f'fill="#444">{_tick_text(t, percent)}</text>'
        )
    if y_label:
        cy = top + plot_h / 2
        parts.append(
            f'<text x="11" y="{cy:.1f}" font-size="{font}" text-anchor="middle" fill="#333" '
            f'transform="rotate(-90 11 {cy:.1f})">{escape(y_label)}</text>'
        )
    every = max(1, math.ceil(n / (6 if small else 13)))

    def bar(x: float, value: int | float | None, colour: str, what: str) -> None:
        if value is None:
            parts.append(
                f'<rect x="{x:.1f}" y="{top}" width="{bar_w:.1f}" height="{plot_h}" fill="none" '
                f'stroke="#888" stroke-dasharray="3,3"><title>{escape(what)}: suppressed</title>'
                "</rect>"
            )
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - 4}" font-size="{font + 1}" '
                'text-anchor="middle" fill="#555">*</text>'
            )
            return
        h = plot_h * float(value) / vmax
        text = f"{value * 100:.1f}%" if percent else f"{value:,}{unit}"
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{escape(what)}: {text}</title></rect>'
        )

    for i, (lab, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + slot * i + (slot - (2 * bar_w if pair else bar_w)) / 2
        if previous is not None:
            bar(x0, previous[i], PREVIOUS, f"{lab} ({series[1]})")
            bar(x0 + bar_w, value, CURRENT, f"{lab} ({series[0]})")
        else:
            bar(x0, value, CURRENT, lab)
        if i % every == 0:
            centre = left + slot * i + slot / 2
            parts.append(
                f'<text x="{centre:.1f}" y="{top + plot_h + 13}" font-size="{font}" '
                f'text-anchor="middle" fill="#333">{escape(lab)}</text>'
            )
    if x_label and not small:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 27}" font-size="{font}" '
            f'text-anchor="middle" fill="#333">{escape(x_label)}</text>'
        )
    # Legend: the series (when two) and what a dashed, starred slot means.
    ly = height - 8
    lx = float(left)
    legend: list[tuple[str, str]] = []
    if pair:
        legend = [(CURRENT, series[0]), (PREVIOUS, series[1])]
    for colour, name in legend:
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly - 8}" width="10" height="9" fill="{colour}"/>'
            f'<text x="{lx + 13:.1f}" y="{ly}" font-size="{font}" fill="#333">{escape(name)}</text>'
        )
        lx += 20 + 6.2 * len(name)
    parts.append(
        f'<rect x="{lx:.1f}" y="{ly - 8}" width="10" height="9" fill="none" stroke="#888" '
        f'stroke-dasharray="2,2"/><text x="{lx + 13:.1f}" y="{ly}" font-size="{font}" '
        f'fill="#333">* suppressed{"" if small else " (1–10, or would reveal one)"}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
