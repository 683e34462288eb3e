"""Inline SVG charts, drawn on the server (no JavaScript, no CDN), from already-suppressed values.

``bar_chart`` draws one bar per label; a suppressed value (``None``) is drawn as an empty,
dashed slot marked "*" so the reader sees that a value exists but is hidden. Colours are SVG
presentation attributes (allowed by the strict Content-Security-Policy) and print in grey.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def _nice_max(value: int) -> int:
    if value <= 10:
        return 10
    step: int = 10 ** (len(str(value)) - 1)
    return int(((value + step - 1) // step) * step)


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[int | float | None],
    *,
    unit: str = "",
    width: int = 760,
    height: int = 240,
    percent: bool = False,
) -> Markup:
    n = max(1, len(labels))
    left, right, top, bottom = 56, 12, 28, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    shown = [v for v in values if v is not None]
    if percent:
        vmax: float = 1.0
    else:
        vmax = float(_nice_max(int(max(shown, default=0))))
    slot = plot_w / n
    bar_w = max(2.0, slot * 0.7)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="16" font-size="13" font-weight="bold" fill="#222">'
        f"{escape(title)}</text>",
    ]
    for i in range(5):
        frac = i / 4
        y = top + plot_h * (1 - frac)
        tick = f"{frac * 100:.0f}%" if percent else f"{vmax * frac:,.0f}"
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#555">{tick}</text>'
        )
    every = max(1, n // 12)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + slot * i + (slot - bar_w) / 2
        if value is None:
            parts.append(
                f'<rect x="{x:.1f}" y="{top}" width="{bar_w:.1f}" height="{plot_h}" fill="none" '
                'stroke="#999" stroke-dasharray="3,3"><title>suppressed (small count)</title>'
                "</rect>"
            )
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - 4}" font-size="11" '
                'text-anchor="middle" fill="#666">*</text>'
            )
        else:
            h = 0 if vmax == 0 else plot_h * float(value) / vmax
            text = f"{value * 100:.1f}%" if percent else f"{value:,}{unit}"
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="#2f6f8f"><title>{escape(label)}: {text}</title></rect>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" font-size="10" '
                f'text-anchor="middle" fill="#333">{escape(label)}</text>'
            )
    parts.append(
        f'<text x="{left}" y="{height - 6}" font-size="10" fill="#555">'
        "* suppressed: small count (1–10) or needed to protect one</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))
