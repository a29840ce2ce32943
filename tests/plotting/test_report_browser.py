"""The lab report in a real browser: headless Debian chromium driven by selenium.

Opens the report written by ``lrkit lab`` via file:// (it must need no network),
checks the browser log for console errors, moves the learning-rate slider with
the keyboard and checks that the drawn trajectory (the polyline's ``points``)
and the loss curve change, switches optimizer and problem, and saves a
screenshot under ``test-artifacts/``. Skipped, with the reason, when chromium,
chromedriver or selenium are missing (``.ci/run`` installs them).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

# one xdist worker runs the whole module (make test uses --dist loadgroup): one browser, one report
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group(name="lab-browser")]

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(
        "needs Debian chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver); "
        "apt-get install chromium chromium-driver",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the dev extra)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One small real report: two demos plus the interactive page, written by the CLI."""
    from lrkit.cli import app

    out = tmp_path_factory.mktemp("lab")
    result = CliRunner().invoke(app, ["lab", "oscillation", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "report.html"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        "--window-size=1200,1600",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    driver.set_window_size(1200, 1600)
    try:
        yield driver
    finally:
        driver.quit()


def _state(driver):
    path = driver.find_element(By.ID, "lrlab-path").get_attribute("points")
    curve = driver.find_element(By.ID, "lrlab-curve").get_attribute("points")
    label = driver.find_element(By.ID, "lrlab-rate-value").text
    return path, curve, label


def _severe(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_report_renders_without_console_errors_and_needs_no_network(browser, report):
    html = report.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # self-contained: no external resource
    browser.get(report.as_uri())
    assert browser.title.startswith("lrkit lab")
    assert _severe(browser) == []
    images = browser.find_elements(By.CSS_SELECTOR, "figure img")
    assert images and all(
        browser.execute_script("return arguments[0].naturalWidth", im) > 100 for im in images
    )


def test_moving_the_slider_changes_the_drawn_trajectory(browser, report):
    browser.get(report.as_uri())
    slider = browser.find_element(By.ID, "lrlab-rate")
    before = _state(browser)
    assert len(before[0].split()) > 10 and before[1]  # a real path and loss curve are drawn
    slider.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    after = _state(browser)
    assert after[0] != before[0] and after[1] != before[1] and after[2] != before[2]
    slider.send_keys(Keys.END)  # the largest rate (3 x ... on the quadratic: far above 2/L = 2)
    assert "diverged" in browser.find_element(By.ID, "lrlab-status").text
    assert _severe(browser) == []


def test_selectors_switch_optimizer_and_problem(browser, report):
    browser.get(report.as_uri())
    before = _state(browser)
    Select(browser.find_element(By.ID, "lrlab-optimizer")).select_by_value("adam")
    adam = _state(browser)
    assert adam[0] != before[0]
    Select(browser.find_element(By.ID, "lrlab-problem")).select_by_value("rosenbrock")
    rosen = _state(browser)
    assert rosen[0] != adam[0]
    bg = browser.find_element(By.ID, "lrlab-bg").get_attribute("href")
    assert bg.startswith("data:image/png;base64,")
    problems = Select(browser.find_element(By.ID, "lrlab-problem"))
    optimizers = Select(browser.find_element(By.ID, "lrlab-optimizer"))
    assert [o.get_attribute("value") for o in problems.options] == [
        "quadratic",
        "rosenbrock",
        "double_well",
        "saddle",
    ]
    assert len(optimizers.options) == 8
    for problem in ("double_well", "saddle"):
        problems.select_by_value(problem)
        for optimizer in ("sgd", "nesterov", "adadelta"):
            optimizers.select_by_value(optimizer)
            assert len(_state(browser)[0].split()) >= 2, (problem, optimizer)
    assert _severe(browser) == []
    problems.select_by_value("rosenbrock")
    optimizers.select_by_value("adam")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "lab-report-interactive.png"
    section = browser.find_element(By.ID, "lrlab")
    browser.execute_script("arguments[0].scrollIntoView(true);", section)
    section.screenshot(str(shot))
    assert shot.stat().st_size > 5000


def test_full_page_screenshot_is_saved(browser, report):
    browser.get(report.as_uri())
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "lab-report.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shutil.copy(report, ARTIFACTS / "lab-report.html")  # the page the screenshots show, for inspection
