"""A report's rows (which the CLI draws as a terminal table), CSV, or Markdown. JSON is the
report itself; HTML is in `personas.reports.html`.

CSV is long ("tidy"): one value a row, `persona,section,key,value`, so a spreadsheet can
pivot it and new keys never move a column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import Any, TextIO

CSV_COLUMNS = ("persona", "section", "key", "value")
# Flat sections: a dict of key -> number.
FLAT = ("actions", "items", "refusals", "follows", "community")


def summary(report: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The personas side by side: (row label, one cell per persona)."""
    people = report["personas"]

    def row(label: str, value: Any) -> tuple[str, list[str]]:
        return label, [_cell(value(p)) for p in people.values()]

    rows = [row("visibility", lambda p: p["visibility"])]
    kinds = sorted({k for p in people.values() for k in p["items"]})
    rows += [row(f"items: {k}", lambda p, k=k: p["items"].get(k, 0)) for k in kinds]
    rows.append(row("refusals", lambda p: sum(p["refusals"].values())))
    for k in ("posts", "likes", "reposts", "replies", "quotes", "impressions"):
        rows.append(row(f"engagement: {k}", lambda p, k=k: p["engagement"][k]))
    rows.append(row("likes per post", lambda p: p["engagement"]["per_post"]["likes"]))
    rows += [row(f"follows: {k.replace('_', ' ')}", lambda p, k=k: p["follows"][k])
             for k in ("made", "followed_back", "unfollowed")]
    rows += [row(f"community: {k}", lambda p, k=k: p["community"][k])
             for k in ("requests", "approved", "denied", "introductions", "members")]
    rows.append(row("followers (first -> last)", _growth))
    return rows


def _growth(p: dict[str, Any]) -> str:
    series = p["followers"]
    if not series:
        return "-"
    return f"{series[0]['followers']} -> {series[-1]['followers']}"


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def write_csv(report: dict[str, Any], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(report))


def csv_rows(report: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    yield "", "period", "since", report["since"]
    yield "", "period", "until", report["until"]
    for name, p in report["personas"].items():
        yield name, "persona", "visibility", p["visibility"]
        for section in FLAT:
            for key, value in p[section].items():
                yield name, section, key, value
        for key, value in p["engagement"].items():
            if key == "per_post":
                yield from ((name, "engagement", f"per_post.{k}", _blank(v))
                            for k, v in value.items())
            elif key == "by_kind":
                yield from ((name, "engagement", f"{kind}.{k}", _blank(v))
                            for kind, m in value.items() for k, v in m.items())
            else:
                yield name, "engagement", key, _blank(value)
        for post in p["top_posts"]:
            yield name, "top_posts", post["remote_id"], post["engagement"]
        for point in p["followers"]:
            yield name, "followers", point["at"], point["followers"]
        for point in p["activity"]:
            yield name, "activity", point["date"], point["events"]


def _blank(value: Any) -> Any:
    return "" if value is None else value


def markdown(report: dict[str, Any]) -> str:
    """Every value is escaped (`_md`): a post's words are text, never HTML, a link, or a
    new cell or row of the table."""
    names = [_md(n) for n in report["personas"]]
    lines = [f"## Activity {_md(report['since'][:10])} to {_md(report['until'][:10])}", "",
             "| | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    lines += [f"| {_md(label)} | " + " | ".join(map(_md, cells)) + " |"
              for label, cells in summary(report)]
    for name, p in report["personas"].items():
        if p["top_posts"]:
            lines += ["", f"### Top posts of {_md(name)}", "",
                      "| post | kind | likes | reposts | replies | quotes | text |",
                      "|---|---|---:|---:|---:|---:|---|"]
            lines += ["| " + " | ".join(_md(v) for v in (
                t["remote_id"], t["kind"], _cell(t["likes"]), _cell(t["reposts"]),
                _cell(t["replies"]), _cell(t["quotes"]), t["text"])) + " |"
                for t in p["top_posts"]]
        if p["refusals"]:
            lines += ["", f"Refusals of {_md(name)}:", ""]
            lines += [f"- {n} x {_md(reason)}" for reason, n in p["refusals"].items()]
    return "\n".join(lines) + "\n"


# What Markdown reads as syntax inside a line: a backslash escape, code, emphasis, links and
# images, a table's cell break, strikethrough. Each is escaped with a backslash, which
# CommonMark allows before any ASCII punctuation.
_MD_SYNTAX = re.compile(r"([\\`*_\[\]|~])")


def _md(value: object) -> str:
    """`value` as Markdown text: on one line (a line break would end the table row), with
    `&` and `<` as entities (so no HTML tag, comment or entity gets through; `>` alone opens
    nothing inside a line) and the inline syntax escaped."""
    if value is None:
        return ""
    text = " ".join(str(value).split()).replace("&", "&amp;").replace("<", "&lt;")
    return _MD_SYNTAX.sub(r"\\\1", text)
