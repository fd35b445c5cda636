"""Drawing a prepared `adcli.plotting.Plot`: in the terminal with plotext, or into a PNG
or SVG file with matplotlib.

One responsibility: put curves that adcli.plotting already evaluated, broke at poles
and gave a y-range on a canvas, with axes, tick labels, a legend (in the terminal a
line under the plot, so that it covers no curve) and one colour (or, without colour,
one marker character) per curve. No numerics happen here. Imports
plotext and matplotlib only inside the functions that draw, so that no other
command pays for them; matplotlib is an optional extra (`pip install 'adcli[plot]'`).
Imports numpy, adcli.plotting (types), adcli.errors and cli.render (labels).
"""

from __future__ import annotations

from pathlib import Path

from adcli.api import label
from adcli.engine.lazy_numpy import np
from adcli.errors import AdcliError, AdcliUsageError
from adcli.plotting import Curve, Plot, nice_ticks

# Without colour, curves are told apart by their marker character.
MARKERS = ("•", "+", "x", "o", "*", "#", "%", "@")
# With colour, curves are told apart by these colours (plotext's "simple" sequence:
# bright blue, green, red, cyan, magenta, yellow, then blue and green).
COLORS = (12, 10, 9, 14, 13, 11, 4, 2)
LEGEND_GAP = "   "
MIN_WIDTH, MIN_HEIGHT = 40, 12
IMAGE_INCHES, IMAGE_DPI = (8.0, 5.0), 100  # 800 x 500 pixels; SVG 576 x 360 pt
IMAGE_FORMATS = (".png", ".svg")


class MissingExtraError(AdcliError):
    """An optional dependency is not installed: says how to install it (exit code 1)."""

    kind = "missing dependency"


def curve_label(curve: Curve, unicode: bool) -> str:
    """`f`, `df/dx`, `d²f/dx²`, ... (one variable: not partial)."""
    return label(curve.wrt, unicode=unicode, partial=False)


def terminal(plot: Plot, title: str, size: tuple[int, int], color: bool,
             unicode: bool = True) -> str:
    """The plot as text for a terminal of `size` (columns, rows), with ANSI colours when
    `color`, else one marker character per curve. The legend is a line of its own
    under the plot (more when it does not fit the width), never drawn over a curve."""
    import plotext

    figure = plotext.figure
    figure.clear()  # plotext keeps one global figure; a second call must start afresh
    # "simple": colours on the curves only, so the frame suits light and dark terminals.
    figure.theme("simple" if color else "colorless")
    width, height = max(size[0], MIN_WIDTH), size[1]
    keys = legend_lines(plot, width, color, unicode)
    figure.plot_size(width, max(height - len(keys), MIN_HEIGHT))
    for k, curve in enumerate(plot.curves):
        finite = np.isfinite(curve.y)
        kept = np.flatnonzero(finite)
        marker = plotext.marker(None, pixel=plotext.pixel(foreground=curve_color(k))) \
            if color else MARKERS[k % len(MARKERS)]
        signal = figure.signal(curve.x[finite].tolist(), curve.y[finite].tolist(),
                               marker=marker)
        signal.lines()
        # plotext gets the finite points only; the first point after a gap must not be
        # joined to the last one before it.
        for start in np.flatnonzero(np.diff(kept) > 1) + 1:
            signal.line(int(start), False)
        figure.draw(signal)
    figure.title(title)
    figure.label(plot.variable, axis=0)
    figure.ruler(0).lim(*plot.xlim)
    figure.ruler(1).lim(*plot.ylim)
    for axis, (low, high), count in ((0, plot.xlim, 9), (1, plot.ylim, 5)):
        ticks = nice_ticks(low, high, count)
        if ticks:
            figure.ruler(axis).ticks(ticks, [f"{t:.6g}" for t in ticks])
    drawn = figure.build().string(colorless=not color).rstrip("\n")
    return "\n".join([drawn, *keys]) + "\n"


def curve_color(k: int) -> int:
    """The terminal colour (of 256) of curve k: plotext's own sequence, set explicitly
    so that the legend line can use the same colours."""
    return COLORS[k % len(COLORS)]


def legend_lines(plot: Plot, width: int, color: bool, unicode: bool) -> list[str]:
    """The legend: `• f   + df/dx   x d²f/dx²` (a coloured line sample per curve with
    colour), centred in `width` columns, on as many lines as the entries need."""
    import plotext

    sample = "──" if unicode else "--"
    entries = []
    for k, curve in enumerate(plot.curves):
        text = f"{sample if color else MARKERS[k % len(MARKERS)]} {curve_label(curve, unicode)}"
        shown = plotext.colorize(text, pixel=plotext.pixel(foreground=curve_color(k))) \
            .string() if color else text
        entries.append((text, shown))
    lines: list[list[tuple[str, str]]] = [[]]
    for entry in entries:
        line = lines[-1]
        if line and len(LEGEND_GAP.join(t for t, _ in [*line, entry])) > width - 2:
            lines.append([entry])
        else:
            line.append(entry)
    result = []
    for line in lines:
        plain = LEGEND_GAP.join(t for t, _ in line)
        left = max(width - len(plain), 0) // 2
        right = max(width - len(plain) - left, 0)
        result.append(" " * left + LEGEND_GAP.join(s for _, s in line) + " " * right)
    return result


def terminal_size() -> tuple[int, int]:
    """plotext's idea of the terminal's plottable size (COLUMNS and LINES override it)."""
    import plotext

    columns, rows = plotext.terminal.size(update=True)
    return int(columns), int(rows)


def save(plot: Plot, title: str, path: str, unicode: bool = True) -> None:
    """Write the plot to a .png (IMAGE_INCHES at IMAGE_DPI: 800 x 500 pixels) or .svg
    (576 x 360 pt) file with matplotlib, on an Agg canvas."""
    suffix = Path(path).suffix.lower()
    if suffix not in IMAGE_FORMATS:
        raise AdcliUsageError(f"--save {path}: the file name must end in .png or .svg",
                              hint="for example --save plot.png")
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtraError(
            "--save needs matplotlib, which is not installed",
            hint="install the plot extra: pip install 'adcli[plot]' (or pip install "
                 "matplotlib); the terminal plot works without it") from None
    # A bare Figure on an Agg canvas: no pyplot, no global state, no display needed.
    figure = Figure(figsize=IMAGE_INCHES, dpi=IMAGE_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for curve in plot.curves:
        # NaN points leave gaps: matplotlib does not join across them.
        axes.plot(curve.x, curve.y, label=curve_label(curve, unicode), linewidth=1.6)
    axes.set_xlim(*plot.xlim)
    axes.set_ylim(*plot.ylim)
    axes.set_xlabel(plot.variable)
    axes.set_title(title)
    axes.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
    axes.grid(True, color="0.9")
    axes.legend(loc="best")
    try:
        # No creation date in the metadata, so that the same plot gives the same file.
        figure.savefig(path, format=suffix[1:],
                       metadata={"Date": None} if suffix == ".svg" else None)
    except OSError as error:
        raise AdcliError(f"--save {path}: cannot write the file "
                         f"({error.strerror or error})") from None
