"""Charts drawn on the server as SVG: no JavaScript in the page, vectors in the PDF."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ROW = 18
LABEL_WIDTH = 150
BAR_WIDTH = 330
COLOURS = ("#a4161a", "#9aa0a6")


def bar_chart(rows: list[tuple[str, list[int]]], legend: list[str]) -> SafeString:
    """Horizontal bars, one group per row (e.g. this year and last year), with the value at each bar's end."""
    series = len(legend)
    top = max((v for _label, values in rows for v in values), default=0) or 1
    group = ROW * series + 6
    height = 22 + group * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {LABEL_WIDTH + BAR_WIDTH + 60} {height}" '
        f'font-size="10" role="img">'
    ]
    for i, name in enumerate(legend):
        x = LABEL_WIDTH + i * 110
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[i % 2]}"/>')
        parts.append(f'<text x="{x + 14}" y="13">{escape(name)}</text>')
    for r, (label, values) in enumerate(rows):
        y = 22 + r * group
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + ROW * series / 2 + 4}" text-anchor="end">{escape(label)}</text>'
        )
        for i, value in enumerate(values):
            width = round(BAR_WIDTH * value / top, 1)
            by = y + i * ROW
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{by + 2}" width="{width}" height="{ROW - 5}" fill="{COLOURS[i % 2]}"/>'
            )
            parts.append(f'<text x="{LABEL_WIDTH + width + 4}" y="{by + ROW - 5}">{value}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
