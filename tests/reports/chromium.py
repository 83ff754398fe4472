"""Headless Chromium (Debian's chromium and chromium-driver) driven by selenium, hermetic:
no network, a fresh profile in the test's tmp dir, local files only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-dev-shm-usage", "--window-size=1280,2000")


@contextmanager
def chromium(tmp: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER, log_output=str(tmp / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


# Every plotly chart on the page: did it draw its traces into an SVG?
CHARTS_DRAWN = """
return Array.from(document.querySelectorAll('.chart .js-plotly-plot')).map(gd => ({
  id: gd.id,
  traces: (gd._fullData || []).length,
  drawn: gd.querySelectorAll('svg.main-svg g.trace').length,
  title: (gd.querySelector('.gtitle') || {}).textContent || null,
}));
"""
