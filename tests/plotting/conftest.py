"""A headless Debian chromium driven by selenium, for the HTML pages' browser tests.

``.ci/run`` installs chromium and chromedriver; without them (or selenium) the browser tests are
skipped with the reason. Screenshots go to ``test-artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WIDTH = 1200


def _need_browser() -> None:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("needs Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver); "
                    "apt-get install chromium chromium-driver")
    pytest.importorskip("selenium.webdriver", reason="needs selenium (the dev extra)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    _need_browser()
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
                 f"--window-size={WIDTH},1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    driver.set_window_size(WIDTH, 1600)
    try:
        yield driver
    finally:
        driver.quit()


class PageTools:
    """What every page test does with the browser (served as the ``page`` fixture: the tests import in
    ``--import-mode=importlib`` without packages, so helpers travel as fixtures)."""

    def __init__(self, driver) -> None:
        self.driver = driver

    def open(self, path: Path) -> None:
        """Load a page written to disk (file://: it must need no network) and clear the console log."""
        html = path.read_text(encoding="utf-8")
        assert "http://" not in html and "https://" not in html  # self-contained: no external resource
        self.driver.get(path.as_uri())

    def severe(self) -> list[dict]:
        """The browser console's errors since the last call."""
        return [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def text(self, element_id: str) -> str:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.ID, element_id).text

    def images_loaded(self) -> bool:
        """Every <img> on the page decoded to a real picture."""
        from selenium.webdriver.common.by import By

        images = self.driver.find_elements(By.CSS_SELECTOR, "img")
        return bool(images) and all(self.driver.execute_script("return arguments[0].naturalWidth", im) > 100
                                    for im in images)

    def screenshot(self, name: str) -> Path:
        """Save the whole page (the window grown to its height) as ``test-artifacts/<name>.png``."""
        ARTIFACTS.mkdir(exist_ok=True)
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(WIDTH, min(max(height + 140, 800), 16000))
        shot = ARTIFACTS / f"{name}.png"
        assert self.driver.save_screenshot(str(shot))
        self.driver.set_window_size(WIDTH, 1600)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        return shot


@pytest.fixture(scope="module")
def page(browser) -> PageTools:
    return PageTools(browser)
