"""Matplotlib drawings of what :mod:`impactlib.analysis` computed.

Every function takes a table returned by an analysis function, draws it on ``ax`` (a new
figure when ``None``) and returns the :class:`matplotlib.axes.Axes`.  Labels are Dutch.
Colours are the Okabe-Ito palette (safe for colour-blind readers) and every category also
gets its own hatch, marker or line style, so the figures stay readable in black and white.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> from impactlib import analysis, plots
>>> counts = pd.DataFrame({"track": ["x", "x"], "dimension": ["valence"] * 2,
...                        "value": ["positive", "negative"], "n": [3, 1], "total": [4, 4],
...                        "share": [0.75, 0.25]})
>>> ax = plots.plot_code_shares(counts, dimension="valence", by="track")
>>> [float(p.get_width()) for p in ax.patches]
[75.0, 25.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .analysis._common import LABELS, label

#: Okabe-Ito colour-blind-safe palette (orange, sky blue, bluish green, yellow, blue,
#: vermillion, reddish purple, grey/black).
OKABE_ITO: list[str] = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
                        "#999999"]
HATCHES: list[str] = ["", "///", "...", "xx", "\\\\\\", "++", "oo", "--"]
MARKERS: list[str] = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES: list[Any] = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 3))]

VERDICT_STYLE = {
    "confirm": ("#009E73", "o", ""),
    "expand": ("#56B4E9", "D", "..."),
    "contradict": ("#D55E00", "X", "///"),
}

STAGE_LABELS = {"collected": "verzameld"}


def _ax(ax: Any = None, size: tuple[float, float] = (8, 4.5)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _style(i: int) -> dict[str, Any]:
    return {"facecolor": OKABE_ITO[i % len(OKABE_ITO)], "hatch": HATCHES[i % len(HATCHES)],
            "edgecolor": "#222222", "linewidth": 0.6}


def _empty(ax: Any, message: str = "Geen gegevens om te tonen.") -> Any:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return ax


def _combo_label(value: Any) -> str:
    return "/".join(label(p) for p in str(value).split("/"))


def plot_code_shares(counts: pd.DataFrame, *, dimension: str = "valence", by: str | None = None,
                     ax: Any = None, title: str | None = None) -> Any:
    """Stacked horizontal bars: share (%) of each value of ``dimension`` per group.

    Parameters
    ----------
    counts : DataFrame
        Output of :func:`impactlib.analysis.code_counts`.
    dimension : str
        The dimension to draw (``valence``, ``intentionality``, ``directness``,
        ``combination``).
    by : str, optional
        The grouping column (one of ``counts``' group columns); default the first one.
    """
    ax = _ax(ax)
    if counts is None or counts.empty:
        return _empty(ax)
    c = counts[counts["dimension"] == dimension]
    if c.empty:
        return _empty(ax, f"Geen codes voor {label(dimension)}.")
    groups_cols = [col for col in counts.columns if col not in ("dimension", "value", "n", "total", "share")]
    by = by or (groups_cols[0] if groups_cols else None)
    if by is None:
        c = c.assign(_g="alle verhalen")
        by = "_g"
    values = list(pd.unique(c["value"]))
    groups = list(pd.unique(c[by].astype(str)))
    left = np.zeros(len(groups))
    y = np.arange(len(groups))
    for i, v in enumerate(values):
        sub = c[c["value"] == v].set_index(c[c["value"] == v][by].astype(str))
        share = np.array([float(sub["share"].get(g, 0) or 0) * 100 for g in groups])
        share = np.nan_to_num(share)
        ax.barh(y, share, left=left, label=_combo_label(v), **_style(i))
        left += share
    totals = c.groupby(c[by].astype(str))["total"].first()
    ax.set_yticks(y, [f"{g} (n={int(totals.get(g, 0))})" for g in groups] if by != "_g"
                  else [f"alle verhalen (n={int(totals.iloc[0])})"])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("aandeel (%)")
    ax.set_title(title or f"{LABELS.get(dimension, dimension).capitalize()} per {label(by) if by != '_g' else 'groep'}")
    if len(values) > 4:
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize="small")
    else:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=len(values), frameon=False,
                  fontsize="small")
    return ax


#: Colour of comparison areas in indicator figures.
GREY = "#AAAAAA"


def _spread(ys: Sequence[float], gap: float) -> list[float]:
    """Label heights near ``ys`` that are at least ``gap`` apart, in the same order.

    Labels are pushed apart symmetrically around the middle of each cluster, so a label
    stays as close to its line as the others allow.
    """
    order = sorted(range(len(ys)), key=lambda k: (ys[k], k))
    groups: list[list[int]] = []
    for k in order:
        groups.append([k])
        while len(groups) > 1:
            lo, hi = groups[-2], groups[-1]
            centre = lambda g: sum(ys[i] for i in g) / len(g)  # noqa: E731
            top_lo = centre(lo) + (len(lo) - 1) * gap / 2
            bottom_hi = centre(hi) - (len(hi) - 1) * gap / 2
            if bottom_hi - top_lo >= gap:
                break
            groups[-2:] = [lo + hi]
    out = [0.0] * len(ys)
    for g in groups:
        c = sum(ys[i] for i in g) / len(g)
        for j, i in enumerate(g):
            out[i] = c + (j - (len(g) - 1) / 2) * gap
    return out


def plot_indicator_trend(series: pd.DataFrame, *, title: str | None = None, unit: str | None = None,
                         highlight: Sequence[str] | None = None, labels: dict[str, str] | None = None,
                         ax: Any = None, legend: bool = True) -> Any:
    """Lines of one indicator over time, one per area; the areas to look at stand out.

    Parameters
    ----------
    series : DataFrame
        Output of :func:`impactlib.analysis.indicator_series` (``area, period, value,
        status, target``).  Missing and confidential values are gaps; provisional values
        get a hollow marker.
    highlight : sequence of str, optional
        The areas drawn in colour (with marker, line style and their target, dashed); the
        other areas are thin grey comparison lines without targets.  ``None``: every area
        in colour.
    labels : dict, optional
        Text for an area's line label (default: the area code).
    legend : bool
        Draw a small legend of the symbols (off when a figure-level legend is shared).

    Every line is labelled directly at its right end; labels are spread so they do not
    overlap.  Targets are labelled at the left end.
    """
    ax = _ax(ax)
    if series is None or series.empty:
        return _empty(ax)
    periods = list(pd.unique(series.sort_values("period_start")["period"])) if "period_start" in series \
        else list(pd.unique(series["period"]))
    x_of = {p: i for i, p in enumerate(periods)}
    areas = sorted(series["area"].astype(str).unique())
    focus = areas if highlight is None else [a for a in areas if a in set(map(str, highlight))]
    labels = labels or {}
    ends: list[tuple[float, str, str, bool]] = []
    targets: list[tuple[float, str, str]] = []
    # grey comparison areas first, so coloured lines lie on top
    for area in [a for a in areas if a not in focus] + focus:
        g = series[series["area"].astype(str) == area]
        x = g["period"].map(x_of).to_numpy(float)
        yv = g["value"].to_numpy(float)
        if area in focus:
            i = focus.index(area)
            color = OKABE_ITO[i % 7] if len(focus) > 1 else OKABE_ITO[4]
            ax.plot(x, yv, color=color, linestyle=LINESTYLES[i % 8], marker=MARKERS[i % 8], markersize=4.5,
                    label=area, linewidth=2.0, zorder=3)
            marker = MARKERS[i % 8]
        else:
            color = GREY
            ax.plot(x, yv, color=GREY, linestyle="-", linewidth=1.0, marker="o", markersize=2.5, label=area,
                    zorder=2)
            marker = "o"
        ok = ~np.isnan(yv)
        if ok.sum() >= 2 and not ok.all():   # bridge gaps faintly, so a half-yearly figure reads as a trend
            ax.plot(x[ok], yv[ok], color=color, linestyle=(0, (1, 2)), linewidth=0.8, alpha=0.8,
                    zorder=1.5, label="_gap")
        if "status" in g:
            prov = (g["status"] == "provisional").to_numpy()
            if prov.any():
                ax.plot(x[prov], yv[prov], linestyle="none", marker=marker, markersize=7 if area in focus else 5,
                        markerfacecolor="white", markeredgecolor=color, zorder=4)
        if ok.any():
            ends.append((float(x[ok][-1]), float(yv[ok][-1]), labels.get(area, area), color, area in focus))
        if area in focus and "target" in g and g["target"].notna().any():
            t = float(g["target"].dropna().iloc[-1])
            ax.axhline(t, color=color, linestyle=(0, (2, 2)), linewidth=1.1, zorder=1)
            targets.append((t, area, color))
    # y-range with some margin; labels are spread in axes fractions (one text line apart)
    values = [v for v in series["value"].to_numpy(float) if not np.isnan(v)] + [t for t, _, _ in targets]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    span = (hi - lo) or max(abs(hi), 1.0)
    lo, hi = lo - 0.08 * span, hi + 0.12 * span
    ax.set_ylim(lo, hi)
    frac = lambda v: (v - lo) / (hi - lo)  # noqa: E731
    height_px = max(ax.get_window_extent().height, 1.0)
    gap = 1.3 * 7.0 * ax.figure.dpi / 72 / height_px       # x-small text is about 7 pt high
    ys = _spread([frac(e[1]) for e in ends], gap)
    last = len(periods) - 1
    for (x_end, y_end, text, color, strong), y in zip(ends, ys):
        ax.annotate(text, (x_end, y_end), xytext=(last + 0.35, y), textcoords=ax.get_xaxis_transform(),
                    va="center", ha="left", fontsize="x-small", color="#222222" if strong else "#777777",
                    fontweight="bold" if strong else "normal", annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": color, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 2})
    tys = _spread([frac(t) for t, _, _ in targets], gap)
    for (t, area, color), y in zip(targets, tys):
        txt = "streefwaarde" if len(targets) == 1 else f"streefwaarde {labels.get(area, area)}"
        ax.annotate(txt, (0, y), xycoords=ax.get_xaxis_transform(), xytext=(0, 2), textcoords="offset points",
                    fontsize="x-small", color=color, va="bottom", ha="left", annotation_clip=False)
    ax.set_xlim(-0.3, last + 0.35 + 0.22 * max([len(e[2]) for e in ends] + [4]) * max(1, len(periods)) / 12)
    ax.set_xticks(range(len(periods)), [str(p) for p in periods], rotation=45, ha="right")
    ax.set_xlabel("periode")
    ax.set_ylabel(unit or "waarde")
    if title:
        ax.set_title(title, loc="left", fontsize="medium")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    if legend:
        ax.legend(handles=indicator_legend_handles(highlight is not None and len(focus) < len(areas)),
                  fontsize="x-small", frameon=False, loc="upper left", bbox_to_anchor=(0, -0.28), ncol=4)
    return ax


def indicator_legend_handles(with_comparison: bool = True) -> list[Any]:
    """Legend entries of :func:`plot_indicator_trend` (for one legend shared by a figure)."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=OKABE_ITO[4], linewidth=2, marker="o", markersize=4.5,
                      label="gebied van de activiteit"),
               Line2D([], [], color="#555555", linestyle=(0, (2, 2)), linewidth=1.1, label="streefwaarde"),
               Line2D([], [], color="#555555", linestyle="none", marker="o", markerfacecolor="white",
                      label="voorlopig cijfer")]
    if with_comparison:
        handles.insert(1, Line2D([], [], color=GREY, linewidth=1, label="vergelijkingsgebied"))
    return handles


def plot_indicator_panels(indicators: pd.DataFrame, trends: pd.DataFrame | None = None, *,
                          names: Sequence[str] | None = None, ncols: int = 2, width: float = 12,
                          panel_height: float = 3.0) -> np.ndarray:
    """Small multiples: one panel per indicator, the activity's areas against the others in grey.

    Parameters
    ----------
    indicators : DataFrame
        The indicators table (long).
    trends : DataFrame, optional
        :func:`impactlib.analysis.indicator_trends` of it (computed when ``None``); an area
        with an ``activity`` is highlighted, the others are comparison areas.  An indicator
        without any activity highlights all its areas.
    names : sequence of str, optional
        The indicators to draw (default: all, sorted).

    Returns
    -------
    numpy.ndarray of Axes
        One per indicator (unused panels are switched off).  The figure has one shared
        legend at the top; every line is labelled at its end.
    """
    import matplotlib.pyplot as plt

    from .analysis import indicator_series, indicator_trends

    trends = indicator_trends(indicators) if trends is None else trends
    names = list(names) if names is not None else sorted(trends["indicator"].unique())
    nrows = max(1, -(-len(names) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, panel_height * nrows + 0.6), squeeze=False,
                             layout="constrained")
    for k, (ax, name) in enumerate(zip(axes.flat, names)):
        rows = trends[trends["indicator"] == name]
        unit = rows["unit"].dropna().iloc[0] if rows["unit"].notna().any() else None
        acts = rows[rows["activity"].notna()]
        highlight = list(acts["area"].astype(str)) if len(acts) else None
        labels = {str(a): f"{a} ({act})" if len(acts) and len(set(acts["activity"])) > 1 else str(a)
                  for a, act in zip(rows["area"], rows["activity"])}
        plot_indicator_trend(indicator_series(indicators, name), title=name,
                             unit=unit if isinstance(unit, str) else None, highlight=highlight,
                             labels=labels, ax=ax, legend=False)
    for k, ax in enumerate(axes.flat[:len(names)]):
        below = axes.flat[k + ncols] if k + ncols < len(names) else None
        same = below is not None and [t.get_text() for t in ax.get_xticklabels()] == \
            [t.get_text() for t in below.get_xticklabels()]
        if same:   # the panel below shows the same periods: no period labels here
            ax.set_xlabel("")
            ax.tick_params(labelbottom=False)
    for ax in axes.flat[len(names):]:
        ax.set_axis_off()
    fig.legend(handles=indicator_legend_handles(), loc="outside upper center", ncol=4, frameon=False,
               fontsize="small")
    return axes


def plot_stories_vs_indicators(table: pd.DataFrame, *, ax: Any = None, title: str | None = None,
                               with_indicator_only: bool = True) -> Any:
    """Dot plot: share of positive effects in the stories per indicator, marked by verdict.

    ``table`` is :func:`impactlib.analysis.stories_vs_indicators`; rows without stories
    are left out, and so are themes without an indicator unless ``with_indicator_only`` is
    False.  Marker shape and colour show the verdict (bevestigen, verrijken, spreken
    tegen); the text beside each dot gives the indicator's trend and the number of effects.
    """
    if table is None or table.empty:
        return _empty(_ax(ax))
    t = table[table["n_effects"] > 0]
    if with_indicator_only:
        t = t[t["indicator"].notna()]
    t = t.reset_index(drop=True)
    ax = _ax(ax, (10, 1.5 + 0.32 * max(1, len(t))))
    if t.empty:
        return _empty(ax, "Geen verhalen gekoppeld aan indicatoren.")
    names = [f"{a[:24]}: {i if isinstance(i, str) else '(geen indicator) ' + str(th)}"
             + (f" ({ar})" if isinstance(ar, str) else "")
             for a, i, th, ar in zip(t["activity"], t["indicator"], t["theme"], t["area"])]
    y = np.arange(len(t))
    for verdict, (color, marker, _h) in VERDICT_STYLE.items():
        m = (t["verdict"] == verdict).to_numpy()
        if m.any():
            ax.scatter(t.loc[m, "share_positive"] * 100, y[m], color=color, marker=marker, s=70,
                       edgecolor="black", linewidth=0.6, label=label(verdict), zorder=3)
    for yi, (trend, toward, n) in enumerate(zip(t["trend"], t["toward_target"], t["n_effects"])):
        if isinstance(trend, str):
            arrow = {"up": "↑", "down": "↓", "flat": "→"}[trend]
            tt = "" if pd.isna(toward) else (" richting doel" if toward else " weg van doel")
            ax.annotate(f"{arrow}{tt}, n={n}", (101, yi), fontsize="x-small", va="center",
                        annotation_clip=False)
        else:
            ax.annotate(f"n={n}", (101, yi), fontsize="x-small", va="center", annotation_clip=False)
    ax.axvline(50, color="#999999", linewidth=0.8, linestyle=":")
    ax.set_yticks(y, names, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("positieve effecten in de verhalen (%)")
    ax.set_title(title or "Verhalen naast cijfers")
    ax.legend(title="verhalen …", loc="lower center", bbox_to_anchor=(0.5, 1.05), ncol=3, frameon=False,
              fontsize="small")
    return ax


def plot_theme_counts(themes: pd.DataFrame, *, ax: Any = None, title: str | None = None) -> Any:
    """Diverging bars per theme: positive effects to the right, negative to the left.

    ``themes`` is :func:`impactlib.analysis.theme_counts` (summed over its groups).
    """
    ax = _ax(ax, (8, 5))
    if themes is None or themes.empty:
        return _empty(ax)
    t = themes.groupby("theme")[["n_positive", "n_negative"]].sum()
    t = t.assign(_n=t.sum(axis=1)).sort_values("_n", ascending=True)
    y = np.arange(len(t))
    ax.barh(y, t["n_positive"], label="positief", **_style(2))
    ax.barh(y, -t["n_negative"], label="negatief", **_style(5))
    ax.set_yticks(y, list(t.index), fontsize="small")
    ax.axvline(0, color="black", linewidth=0.8)
    lim = max(1, int(t[["n_positive", "n_negative"]].to_numpy().max()))
    ax.set_xlim(-lim * 1.1, lim * 1.1)
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{abs(v):g}"))
    ax.set_xlabel("aantal effecten (negatief ← → positief)")
    ax.set_title(title or "Effecten per thema")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax


def plot_msc_funnel(domain_counts: pd.DataFrame, *, ax: Any = None, title: str | None = None) -> Any:
    """Grouped bars per domain of change: collected, considered and selected per round.

    ``domain_counts`` is :func:`impactlib.analysis.msc_domain_counts`.
    """
    ax = _ax(ax, (8, 5))
    if domain_counts is None or domain_counts.empty:
        return _empty(ax)
    d = domain_counts
    series: list[tuple[str, pd.Series]] = []
    r0 = d[d["round"] == 0].set_index("domain")["considered"]
    if len(r0):
        series.append(("verzameld", r0))
    for r in sorted(x for x in d["round"].unique() if x != 0):
        sub = d[d["round"] == r].set_index("domain")
        series.append((f"ronde {r}: besproken", sub["considered"]))
        series.append((f"ronde {r}: gekozen", sub["selected"]))
    domains = sorted(d["domain"].unique())
    y = np.arange(len(domains))
    h = 0.8 / max(1, len(series))
    for i, (name, s) in enumerate(series):
        vals = np.array([float(s.get(dom, 0)) if pd.notna(s.get(dom, 0)) else 0.0 for dom in domains])
        ax.barh(y + i * h - 0.4 + h / 2, vals, height=h, label=name, **_style(i))
    ax.set_yticks(y, domains, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel("aantal verhalen")
    ax.set_title(title or "Verhalen per domein door de selectierondes")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax


def plot_msc_criteria(criteria: pd.DataFrame, *, ax: Any = None, title: str | None = None) -> Any:
    """Grouped bars: how often each criterion is named in the reasons, per round (%).

    ``criteria`` is :func:`impactlib.analysis.msc_criteria` with ``by="round"``.
    """
    ax = _ax(ax)
    if criteria is None or criteria.empty:
        return _empty(ax)
    group = [c for c in criteria.columns if c not in ("criterion", "n", "n_reasons", "share")]
    gcol = group[0] if group else None
    crits = list(pd.unique(criteria["criterion"]))
    rounds = list(pd.unique(criteria[gcol])) if gcol else [None]
    y = np.arange(len(crits))
    h = 0.8 / len(rounds)
    for i, r in enumerate(rounds):
        sub = criteria if r is None else criteria[criteria[gcol] == r]
        s = sub.set_index("criterion")["share"]
        n = int(sub["n_reasons"].iloc[0]) if len(sub) else 0
        vals = np.array([float(s.get(c, 0)) * 100 for c in crits])
        name = "alle redenen" if r is None else f"{'ronde ' if gcol == 'round' else ''}{r} (n={n})"
        ax.barh(y + i * h - 0.4 + h / 2, vals, height=h, label=name, **_style(i))
    ax.set_yticks(y, crits)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("redenen waarin het criterium genoemd wordt (%)")
    ax.set_title(title or "Selectiecriteria in de redenen van de panels")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax


def plot_meta_monitoring(meta: pd.DataFrame, *, aspect: str = "storyteller_role", ax: Any = None,
                         title: str | None = None) -> Any:
    """Grouped bars: each group's share of collected and of selected stories (%).

    ``meta`` is :func:`impactlib.analysis.meta_monitoring`.
    """
    ax = _ax(ax, (8, 5))
    if meta is None or meta.empty:
        return _empty(ax)
    m = meta[meta["aspect"] == aspect]
    if m.empty:
        return _empty(ax, f"Geen gegevens over {aspect}.")
    stages = list(pd.unique(m["stage"]))
    groups = list(pd.unique(m["group"].astype(str)))
    y = np.arange(len(groups))
    h = 0.8 / len(stages)
    for i, st in enumerate(stages):
        s = m[m["stage"] == st].set_index(m[m["stage"] == st]["group"].astype(str))["share"]
        vals = np.nan_to_num(np.array([float(s.get(g, 0)) * 100 for g in groups]))
        name = STAGE_LABELS.get(st, st.replace("round_", "gekozen in ronde "))
        ax.barh(y + i * h - 0.4 + h / 2, vals, height=h, label=name, **_style(i))
    ax.set_yticks(y, groups, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel("aandeel van de verhalen (%)")
    names = {"storyteller_role": "Wie vertelt", "collected_by": "Wie verzamelt", "activity": "Welke activiteit"}
    ax.set_title(title or f"{names.get(aspect, aspect)} — en wiens verhalen worden gekozen?")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax


def plot_arena_matrix(matrix: pd.DataFrame, *, ax: Any = None, title: str | None = None) -> Any:
    """Heat map investor × beneficiary with the number of effects; wrong-pocket cells hatched.

    ``matrix`` is :func:`impactlib.analysis.arena_matrix`.  Grey levels carry the count
    (readable without colour); cells holding a wrong-pocket effect are hatched and boxed.
    """
    import matplotlib.patches as mpatches

    ax = _ax(ax, (9, 6))
    if matrix is None or matrix.empty:
        return _empty(ax)
    inv = sorted(matrix["investor"].unique())
    ben = sorted(matrix["beneficiary"].unique())
    grid = np.zeros((len(inv), len(ben)))
    wrong = np.zeros_like(grid, dtype=bool)
    for r in matrix.itertuples(index=False):
        i, j = inv.index(r.investor), ben.index(r.beneficiary)
        grid[i, j] = r.n_effects
        wrong[i, j] = r.n_wrong_pocket > 0
    ax.imshow(grid, cmap="Greys", vmin=0, vmax=max(1.0, grid.max()) * 1.6, aspect="auto")
    for i in range(len(inv)):
        for j in range(len(ben)):
            if wrong[i, j]:
                ax.add_patch(mpatches.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                                edgecolor=OKABE_ITO[5], linewidth=1.2))
            if grid[i, j]:
                ax.text(j, i, f"{int(grid[i, j])}", ha="center", va="center", fontsize="small",
                        fontweight="bold", bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    ax.set_xticks(range(len(ben)), ben, rotation=45, ha="right", fontsize="small")
    ax.set_yticks(range(len(inv)), inv, fontsize="small")
    ax.set_xlabel("incasseerder (wie profiteert)")
    ax.set_ylabel("investeerder (wie betaalt)")
    ax.set_title(title or "Effectenarena: wie investeert, wie incasseert")
    handle = mpatches.Patch(facecolor="white", edgecolor=OKABE_ITO[5], hatch="///",
                            label="verkeerde zak (investeerder incasseert niet)")
    ax.legend(handles=[handle], loc="lower center", bbox_to_anchor=(0.5, 1.06), frameon=False,
              fontsize="small")
    return ax


def plot_owners(summary: pd.DataFrame, *, ax: Any = None, title: str | None = None) -> Any:
    """Bars per owner: how many indicators and codes each owner decides on.

    ``summary`` is :func:`impactlib.analysis.owner_summary`.
    """
    ax = _ax(ax)
    if summary is None or summary.empty:
        return _empty(ax)
    owners = sorted(summary["owner"].unique())
    kinds = sorted(summary["kind"].unique(), reverse=True)
    y = np.arange(len(owners))
    h = 0.8 / len(kinds)
    names = {"indicator": "indicatoren", "code": "codes (soorten)"}
    for i, k in enumerate(kinds):
        s = summary[summary["kind"] == k].set_index("owner")["n_items"]
        vals = np.array([float(s.get(o, 0)) for o in owners])
        ax.barh(y + i * h - 0.4 + h / 2, vals, height=h, label=names.get(k, k), **_style(i))
    ax.set_yticks(y, owners)
    ax.invert_yaxis()
    ax.set_xlabel("aantal")
    ax.set_title(title or "Wie bepaalt wat er gemeten wordt?")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax


__all__ = ["OKABE_ITO", "HATCHES", "MARKERS", "GREY", "plot_code_shares", "plot_indicator_trend",
           "plot_indicator_panels", "indicator_legend_handles",
           "plot_stories_vs_indicators", "plot_theme_counts", "plot_msc_funnel", "plot_msc_criteria",
           "plot_meta_monitoring", "plot_arena_matrix", "plot_owners"]
