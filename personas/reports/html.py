"""The HTML report: one self-contained file, charts drawn by plotly.js (inlined, so the
file opens with no network), and the same side-by-side numbers as the other formats."""

from __future__ import annotations

from html import escape
from typing import Any

from personas.reports.render import summary

ENGAGING = ("likes", "reposts", "replies", "quotes")
CHART_CONFIG = {"displayModeBar": False, "responsive": True}
LAYOUT = {"margin": {"l": 50, "r": 20, "t": 40, "b": 40}, "height": 360,
          "legend": {"orientation": "h"}}
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } .period { color: #666; margin-top: 0; }
.chart { border: 1px solid #ddd; border-radius: 6px; padding: .5rem; margin: 1rem 0; }
table { border-collapse: collapse; margin: 1rem 0; } td, th { padding: .25rem .7rem;
border-bottom: 1px solid #eee; text-align: right; } td:first-child, th:first-child,
td.text { text-align: left; }
"""


def charts(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(title, plotly figure) for each chart, in page order."""
    people = report["personas"]
    return [
        ("Activity over time", _figure(
            [{"type": "scatter", "mode": "lines", "name": name,
              "x": [a["date"] for a in p["activity"]], "y": [a["events"] for a in p["activity"]]}
             for name, p in people.items()],
            f"events per {report['bucket']}")),
        ("Engagement per post, by kind", _figure(
            [{"type": "bar", "name": name, "x": list(p["engagement"]["by_kind"]),
              "y": [_per_post(m) for m in p["engagement"]["by_kind"].values()]}
             for name, p in people.items()],
            "likes + reposts + replies + quotes per post", barmode="group")),
        ("Follower growth", _figure(
            [{"type": "scatter", "mode": "lines+markers", "name": name,
              "x": [f["at"] for f in p["followers"]],
              "y": [f["followers"] for f in p["followers"]]} for name, p in people.items()],
            "followers")),
        ("Community funnel", _figure(
            [{"type": "funnel", "name": name, "y": ["requests", "approved", "introduced"],
              "x": [p["community"]["requests"], p["community"]["approved"],
                    p["community"]["introductions"]], "textinfo": "value"}
             for name, p in people.items()], None, margin={**LAYOUT["margin"], "l": 90})),
    ]


def _per_post(metrics: dict[str, Any]) -> float:
    total = sum(metrics[k] or 0 for k in ENGAGING)
    return round(total / metrics["posts"], 2) if metrics["posts"] else 0.0


def _figure(data: list[dict[str, Any]], y_title: str | None, **layout: Any) -> dict[str, Any]:
    axis = {"yaxis": {"title": {"text": y_title}, "rangemode": "tozero"}} if y_title else {}
    return {"data": data, "layout": {**LAYOUT, **axis, **layout}}


def render(report: dict[str, Any]) -> str:
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    divs = []
    for i, (title, figure) in enumerate(charts(report)):
        figure["layout"]["title"] = {"text": title}
        divs.append('<div class="chart">' + pio.to_html(
            figure, include_plotlyjs=False, full_html=False, validate=False,
            div_id=f"chart-{i}", config=CHART_CONFIG) + "</div>")
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        f"<title>persona activity {escape(report['since'][:10])} to "
        f"{escape(report['until'][:10])}</title><style>{STYLE}</style>",
        f"<script>{get_plotlyjs()}</script></head><body>",
        f"<h1>Activity by persona</h1><p class=\"period\">{escape(report['since'][:16])} to "
        f"{escape(report['until'][:16])} UTC, generated {escape(report['generated_at'][:16])}"
        "</p>",
        _summary_table(report), *divs,
        _top_posts(report), "</body></html>\n",
    ])


def _summary_table(report: dict[str, Any]) -> str:
    head = "".join(f"<th>{escape(n)}</th>" for n in report["personas"])
    rows = "".join(f"<tr><td>{escape(label)}</td>"
                   + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"
                   for label, cells in summary(report))
    return f"<table><tr><th></th>{head}</tr>{rows}</table>"


def _top_posts(report: dict[str, Any]) -> str:
    parts = []
    for name, p in report["personas"].items():
        if not p["top_posts"]:
            continue
        rows = "".join(
            f"<tr><td>{escape(t['remote_id'])}</td><td>{escape(t['kind'] or '')}</td>"
            + "".join(f"<td>{'-' if t[k] is None else t[k]}</td>" for k in ENGAGING)
            + f"<td class=\"text\">{escape(t['text'] or '')}</td></tr>"
            for t in p["top_posts"])
        parts.append(f"<h2>Top posts of {escape(name)}</h2><table><tr><th>post</th>"
                     "<th>kind</th><th>likes</th><th>reposts</th><th>replies</th>"
                     f"<th>quotes</th><th>text</th></tr>{rows}</table>")
    return "".join(parts)
