"""The finder, tune and diagnose reports in a real browser (headless chromium, selenium).

Each page is written by the CLI as a user would (``lrkit find``, ``lrkit tune``, ``lrkit train
--history`` then ``lrkit diagnose --report``), opened via file://, checked for its content (the
answer first: for the finder the suggestion, the optimizer and the next-step code) and for console
errors, and saved as a screenshot under ``test-artifacts/``. Skipped, with the reason, without
chromium, chromedriver or selenium (``.ci/run`` installs them).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lrkit.cli import app
from lrkit.schedules import parse

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group(name="lab-browser")]
runner = CliRunner()


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("pages")


def _by():
    from selenium.webdriver.common.by import By

    return By


def test_finder_report_leads_with_rate_optimizer_and_next_step(page, out):
    result = runner.invoke(app, ["find", "--out", str(out / "find"), "--json"])
    assert result.exit_code == 0, result.output
    advice = json.loads(result.stdout)["advice"]
    page.open(out / "find" / "report.html")
    driver, By = page.driver, _by()
    assert page.severe() == [] and page.images_loaded()
    assert page.text("suggestion") == str(advice["lr"])
    assert "SGD (momentum 0.9), batch size 64" in page.text("optimizer")
    assert page.text("confidence").startswith(f"How sure: {advice['confidence']}.")
    spec = page.text("next-spec")
    assert spec == advice["schedule_spec"] and parse(spec)  # the spec on the page parses
    python = page.text("next-python")
    assert "torch.optim.SGD(model.parameters(), lr=" in python
    assert f'LRScheduler(optimizer, "{spec}")' in python
    assert page.text("next-cli") == f'lrkit train --task digits-mlp --schedule "{spec}"'
    # the answer sits above the figure, in the first screen of the page
    answer = driver.find_element(By.ID, "answer").rect
    figure = driver.find_element(By.CSS_SELECTOR, "figure").rect
    assert answer["y"] < figure["y"] and answer["y"] + answer["height"] < 1600
    other = driver.find_element(By.CSS_SELECTOR, "#other-rules table")
    assert not other.is_displayed()  # the other rules are folded away until asked for
    driver.find_element(By.CSS_SELECTOR, "#other-rules summary").click()
    assert other.is_displayed()
    page.screenshot("finder-report")


def test_tune_report_leads_with_the_best_rate_and_schedule(page, out):
    result = runner.invoke(app, ["tune", "--trials", "3", "--budget", "30", "--out", str(out / "tune"),
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    page.open(out / "tune" / "tune.html")
    assert page.severe() == [] and page.images_loaded()
    assert page.text("best-lr") == f"{data['best_lr']:.4g}"
    assert page.text("best-schedule") == data["best_schedule"] and parse(page.text("best-schedule"))
    assert f'LRScheduler(optimizer, "{data["best_schedule"]}")' in page.text("next-python")
    assert "cycling" not in page.driver.page_source  # issue 18 item 5: no loader note in the report
    page.screenshot("tune-report")


def test_diagnose_report_says_the_verdict_and_what_to_do(page, out):
    history = out / "run.csv"
    result = runner.invoke(app, ["train", "--task", "digits-mlp", "--lr", "2.0", "--steps", "200",
                                 "--history", str(history)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["diagnose", str(history), "--json", "--report", str(out / "diagnose.html")])
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout)
    page.open(out / "diagnose.html")
    assert page.severe() == [] and page.images_loaded()
    assert page.text("recommendation") == f"What to do: {verdict['recommendation']}"
    assert page.text("verdict")
    page.screenshot("diagnose-report")
