"""The Markdown report holds posts' words as text: rendered as a page would render it
(CommonMark with tables and HTML passed through, as on most sites), no tag, link, image,
emphasis or extra cell or row comes out of a post or a refusal reason."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from personas.reports.build import TOP_POSTS

markdown_it = pytest.importorskip("markdown_it")

HOSTILE = [
    '"><img src=x onerror=alert(1)>',
    "<script>alert(1)</script> and <!-- a comment",
    "[click](javascript:alert(1)) ![i](https://evil.example/i.png) <https://evil.example>",
    "a | b | c\n| --- | --- |\n| new | row |",
    "**bold** _em_ `code` ~~gone~~ \\ &lt;b&gt; &amp; &#60;i&#62;",
]
REASON = "refused: <b onmouseover=alert(1)>x</b> | [a](https://evil.example)\n- next"


class Cells(HTMLParser):
    """Rows of cells (their text) and every tag the page holds."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.tags: list[str] = []
        self.items: list[str] = []
        self.where: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
            self.where = "cell"
        elif tag == "li":
            self.items.append("")
            self.where = "item"

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("td", "th", "li"):
            self.where = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.where == "cell":
            self.rows[-1][-1] += data
        elif self.where == "item":
            self.items[-1] += data


def render(text: str) -> Cells:
    md = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    page = Cells()
    page.feed(md.render(text))
    return page


def test_posts_and_reasons_are_text_in_the_markdown_report(cli, tmp_path):
    assert len(HOSTILE) <= TOP_POSTS
    for i, text in enumerate(HOSTILE):
        r = cli("post", text, "--json")
        assert r.code == 0, r.err
        assert cli("sandbox", "simulate", "like", r.json()["remote_id"], "--count",
                   str(10 - i)).code == 0
    assert cli("sync", "metrics").code == 0
    from personas import activity as act
    from personas import db

    with db.session() as s:
        act.record(s, "me", act.REFUSED, kind="link", detail={"reason": REASON})
        s.commit()

    out = tmp_path / "report.md"
    r = cli("report", "--since", "1d", "-f", "md", "-o", str(out))
    assert r.code == 0, r.err
    page = render(out.read_text())

    assert set(page.tags) <= {"h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td",
                              "ul", "li"}, page.tags
    # each table's rows have its header's cells, no more: the side by side and top posts
    widths = {len(row) for row in page.rows}
    assert widths == {len(page.rows[0]), 7}, widths
    texts = [row[6] for row in page.rows if len(row) == 7 and row[6] != "text"]
    assert sorted(texts) == sorted(" ".join(t.split()) for t in HOSTILE)
    assert page.items == [f"1 x {' '.join(REASON.split())}"]
