"""Charts drawn on the server as inline SVG: no script, no network, and readable with CSS off.

Each chart is paired on its page with a table of the same numbers.
"""
import math

from markupsafe import Markup, escape

from . import i18n

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 48, 16, 40


def _nice_max(value: float) -> int:
    """A round axis maximum at or above `value`: 1, 2, 5 times a power of ten."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return max(step * factor, 1)
        step *= 10


def trend(weeks: list[dict], households_total: int, title: str, visits_label: str, coverage_label: str) -> Markup:
    """Bars of visits per week (left axis) and a line of cumulative coverage in percent (right axis)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_visits = _nice_max(max((w["visits"] for w in weeks), default=0))
    slot = plot_w / max(len(weeks), 1)
    parts = [_axes(plot_w, plot_h, top_visits)]
    points = []
    for i, week in enumerate(weeks):
        x = LEFT + i * slot
        bar_h = plot_h * week["visits"] / top_visits
        parts.append(f'<rect class="bar" x="{x + slot * 0.15:.1f}" y="{TOP + plot_h - bar_h:.1f}" '
                     f'width="{slot * 0.7:.1f}" height="{bar_h:.1f}"><title>{escape(_day(week["week"]))}: '
                     f'{i18n.number(week["visits"])}</title></rect>')
        share = week["households_reached_cumulative"] / households_total if households_total else 0
        points.append(f"{x + slot / 2:.1f},{TOP + plot_h * (1 - share):.1f}")
        if len(weeks) <= 16 or i % max(len(weeks) // 12, 1) == 0:
            label = i18n.day_month(week["week"])  # dd/mm: the year is in the table
            parts.append(f'<text class="tick" x="{x + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    if points:
        parts.append(f'<polyline class="line" fill="none" points="{" ".join(points)}"/>')
        parts.extend(f'<circle class="dot" cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="3"/>' for p in points)
    legend_y = HEIGHT - 6
    parts.append(f'<rect class="bar" x="{LEFT}" y="{legend_y - 9}" width="10" height="10"/>'
                 f'<text class="legend" x="{LEFT + 14}" y="{legend_y}">{escape(visits_label)}</text>'
                 f'<line class="line" x1="{LEFT + 220}" y1="{legend_y - 4}" x2="{LEFT + 240}" y2="{legend_y - 4}"/>'
                 f'<text class="legend" x="{LEFT + 246}" y="{legend_y}">{escape(coverage_label)} (%)</text>')
    return _svg("trend", title, parts)


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else str(value)


def _axes(plot_w: float, plot_h: float, top_visits: int) -> str:
    lines = []
    for k in range(5):
        y = TOP + plot_h * k / 4
        lines.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}"/>')
        lines.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{i18n.number(round(top_visits * (4 - k) / 4))}</text>')
        lines.append(f'<text class="tick" x="{LEFT + plot_w + 6}" y="{y + 4:.1f}">{i18n.percent(100 * (4 - k) // 4, 0)}</text>')
    return "".join(lines)


def bars(items: list[tuple[str, float, float | None]], title: str) -> Markup:
    """Horizontal bars of percents, one per (label, percent, target percent or None); a tick marks the target."""
    row_h, label_w = 26, 250
    height = TOP + row_h * len(items) + 8
    scale = (WIDTH - label_w - 60) / 100
    parts = []
    for i, (label, percent, target) in enumerate(items):
        y = TOP + i * row_h
        width = max(min(percent, 100), 0) * scale
        met = target is not None and percent >= target
        parts.append(f'<text class="label" x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
                     f'<rect class="track" x="{label_w}" y="{y + 3}" width="{100 * scale:.1f}" height="16"/>'
                     f'<rect class="bar{" met" if met else ""}" x="{label_w}" y="{y + 3}" width="{width:.1f}" '
                     f'height="16"/><text class="value" x="{label_w + 100 * scale + 6:.1f}" y="{y + 15}">'
                     f'{i18n.percent(percent)}</text>')
        if target is not None:
            x = label_w + min(target, 100) * scale
            parts.append(f'<line class="target" x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 22}"/>')
    return _svg("bars", title, parts, height)


def _svg(kind: str, title: str, parts: list[str], height: int = HEIGHT) -> Markup:
    return Markup(f'<svg class="chart {kind}" viewBox="0 0 {WIDTH} {height}" role="img" '
                  f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(parts)}</svg>')


MAP_W, MAP_H, MAP_PAD = 720, 480, 28
METRES_PER_DEGREE = 111_320  # of latitude, and of longitude at the equator
MIN_SPAN = 0.001
"""The smallest box drawn, in degrees (about 110 m): a village whose fixes all fall on one spot is not one pixel."""


def village_map(dots: list[tuple[float, float, str, str]], title: str, metres) -> Markup:
    """Households as dots, one per (lat, lon, class, title), in an equirectangular projection of their bounding
    box (longitudes shrunk by the cosine of the middle latitude, so distances are true to scale), with a scale bar
    labelled by `metres(n)` ("1.000 m")."""
    parts = []
    if dots:
        lats, lons = [d[0] for d in dots], [d[1] for d in dots]
        mid = (min(lats) + max(lats)) / 2
        shrink = math.cos(math.radians(mid))
        span_x = max((max(lons) - min(lons)) * shrink, MIN_SPAN)
        span_y = max(max(lats) - min(lats), MIN_SPAN)
        scale = min((MAP_W - 2 * MAP_PAD) / span_x, (MAP_H - 2 * MAP_PAD) / span_y)  # pixels per degree
        centre_x, centre_y = (min(lons) + max(lons)) / 2 * shrink, mid
        for lat, lon, kind, label in dots:
            x = MAP_W / 2 + (lon * shrink - centre_x) * scale
            y = MAP_H / 2 - (lat - centre_y) * scale  # north up
            parts.append(f'<circle class="home {kind}" cx="{x:.1f}" cy="{y:.1f}" r="5">'
                         f'<title>{escape(label)}</title></circle>')
        parts.append(_scale_bar(METRES_PER_DEGREE / scale, metres))
    return Markup(f'<svg class="chart map" viewBox="0 0 {MAP_W} {MAP_H}" role="img" '
                  f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
                  f'<rect class="ground" x="0" y="0" width="{MAP_W}" height="{MAP_H}"/>{"".join(parts)}</svg>')


def _scale_bar(metres_per_pixel: float, metres) -> str:
    """A bar of a round number of metres, at most a quarter of the map's width, in the bottom left corner."""
    length = _nice_max(metres_per_pixel * MAP_W / 4)
    while length > 1 and length / metres_per_pixel > MAP_W / 4:
        length = _nice_below(length)
    width = length / metres_per_pixel
    y = MAP_H - 12
    return (f'<line class="scale" x1="{MAP_PAD}" y1="{y}" x2="{MAP_PAD + width:.1f}" y2="{y}"/>'
            f'<text class="tick" x="{MAP_PAD}" y="{y - 6}">{escape(metres(length))}</text>')


def _nice_below(value: int) -> int:
    """The round number (1, 2, 5 times a power of ten) just below `value`."""
    candidates = [f * 10 ** p for p in range(7) for f in (1, 2, 5)]
    return max([c for c in candidates if c < value], default=1)
