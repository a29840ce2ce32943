"""The lab's pages in a real browser: headless Debian chromium driven by selenium.

Opens the report and the interactive page written by ``lrkit lab`` via file:// (they must need no
network), checks the browser log for console errors, follows the contents and the link to the
interactive page, moves the learning-rate slider with the keyboard and checks that the drawn
trajectory (the polyline's ``points``), the loss curve and the caption change, switches optimizer
and problem, and saves screenshots under ``test-artifacts/``. Skipped, with the reason, when
chromium, chromedriver or selenium are missing (``.ci/run`` installs them).
"""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

# one xdist worker runs the browser modules (make test uses --dist loadgroup): one browser at a time
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group(name="lab-browser")]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A small real lab: two demos, the report and its interactive page, written by the CLI."""
    from lrkit.cli import app

    out = tmp_path_factory.mktemp("lab")
    result = CliRunner().invoke(app, ["lab", "oscillation", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _by():
    from selenium.webdriver.common.by import By

    return By


def _state(driver):
    By = _by()
    path = driver.find_element(By.ID, "lrlab-path").get_attribute("points")
    curve = driver.find_element(By.ID, "lrlab-curve").get_attribute("points")
    label = driver.find_element(By.ID, "lrlab-rate-value").text
    return path, curve, label


def test_the_report_teaches_and_links_to_the_interactive_page(page, lab):
    By = _by()
    page.open(lab / "report.html")
    driver = page.driver
    assert driver.title.startswith("lrkit lab")
    assert page.severe() == [] and page.images_loaded()
    assert "What to look at." in page.text("oscillation")
    contents = driver.find_element(By.ID, "contents")
    contents.find_element(By.CSS_SELECTOR, 'a[href="#oscillation"]').click()
    assert driver.current_url.endswith("#oscillation")
    checks = driver.find_element(By.CSS_SELECTOR, "#oscillation details table")
    assert not checks.is_displayed()  # the numbers are folded away until asked for
    page.screenshot("lab-report")
    shutil.copy(lab / "report.html", page.screenshot("lab-report").with_suffix(".html"))
    driver.find_element(By.ID, "interactive-link").click()
    assert driver.current_url.endswith("interactive.html")
    assert driver.find_element(By.ID, "lrlab-rate") and page.severe() == []


def test_moving_the_slider_changes_the_drawn_trajectory(page, lab):
    from selenium.webdriver.common.keys import Keys

    page.open(lab / "interactive.html")
    driver = page.driver
    slider = driver.find_element(_by().ID, "lrlab-rate")
    before = _state(driver)
    assert len(before[0].split()) > 10 and before[1]  # a real path and loss curve are drawn
    slider.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    after = _state(driver)
    assert after[0] != before[0] and after[1] != before[1] and after[2] != before[2]
    slider.send_keys(Keys.END)  # the largest rate (3 x ... on the quadratic: far above 2/L = 2)
    assert "diverged" in page.text("lrlab-status")
    assert page.severe() == []


def test_selectors_switch_optimizer_problem_and_caption(page, lab):
    from selenium.webdriver.support.ui import Select

    from lrkit.plotting._lab_guide import PROBLEM_CAPTIONS

    By = _by()
    page.open(lab / "interactive.html")
    driver = page.driver
    before = _state(driver)
    assert page.text("lrlab-caption") == PROBLEM_CAPTIONS["quadratic"]
    Select(driver.find_element(By.ID, "lrlab-optimizer")).select_by_value("adam")
    adam = _state(driver)
    assert adam[0] != before[0]
    Select(driver.find_element(By.ID, "lrlab-problem")).select_by_value("rosenbrock")
    rosen = _state(driver)
    assert rosen[0] != adam[0]
    # regression (issue 18 item 9): the caption stayed on the quadratic's text after switching problems
    assert page.text("lrlab-caption") == PROBLEM_CAPTIONS["rosenbrock"]
    bg = driver.find_element(By.ID, "lrlab-bg").get_attribute("href")
    assert bg.startswith("data:image/png;base64,")
    problems = Select(driver.find_element(By.ID, "lrlab-problem"))
    optimizers = Select(driver.find_element(By.ID, "lrlab-optimizer"))
    assert [o.get_attribute("value") for o in problems.options] == ["quadratic", "rosenbrock", "double_well",
                                                                    "saddle"]
    assert len(optimizers.options) == 8
    for problem in ("double_well", "saddle"):
        problems.select_by_value(problem)
        assert page.text("lrlab-caption") == PROBLEM_CAPTIONS[problem]
        for optimizer in ("sgd", "nesterov", "adadelta"):
            optimizers.select_by_value(optimizer)
            assert len(_state(driver)[0].split()) >= 2, (problem, optimizer)
    assert page.severe() == []
    problems.select_by_value("rosenbrock")
    optimizers.select_by_value("adam")
    page.screenshot("lab-interactive")
