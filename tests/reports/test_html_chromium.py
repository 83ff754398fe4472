"""The HTML report as a person sees it: opened from disk in headless Chromium with no
network, no console errors, every chart drawn; a screenshot is kept in the test's tmp dir."""

from __future__ import annotations

import re
import time

from tests.reports.chromium import CHARTS_DRAWN, chromium

TITLES = ["Activity over time", "Engagement per post, by kind", "Follower growth",
          "Community funnel"]


def _wait_for_charts(driver, count: int, timeout: float = 30.0) -> list[dict]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        charts = driver.execute_script(CHARTS_DRAWN)
        if (len(charts) == count and all(c["drawn"] for c in charts)) \
                or time.monotonic() > deadline:
            return charts
        time.sleep(0.2)


def test_html_report_renders_in_chromium(cli, story, tmp_path):
    report = tmp_path / "report.html"
    r = cli("report", "--since", "1d", "--format", "html", "-o", str(report))
    assert r.code == 0, r.err
    html = report.read_text()
    # Self-contained: nothing to fetch, from anywhere.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)
    with chromium(tmp_path) as driver:
        driver.get(report.as_uri())
        charts = _wait_for_charts(driver, len(TITLES))
        shot = tmp_path / "report.png"
        driver.save_screenshot(str(shot))
        logs = driver.get_log("browser")
        resources = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
    errors = [entry for entry in logs if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    assert [c["title"] for c in charts] == TITLES
    for chart in charts:
        assert chart["traces"] == 3 and chart["drawn"] == 3, chart  # one per persona
    assert all(name.startswith("file://") for name in resources)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_a_console_error_would_fail_the_check(tmp_path):
    """The check above is real: a page with a script error shows up in the log."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>undefinedThing();</script></body></html>")
    with chromium(tmp_path) as driver:
        driver.get(page.as_uri())
        logs = driver.get_log("browser")
    assert [e for e in logs if e["level"] == "SEVERE" and "undefinedThing" in e["message"]]
