"""Swagger UI at GET /docs in a real browser (Debian's headless Chromium driven through its chromedriver): the page
loads the spec, "Try it out" calls the local stack's API, and after Authorize a protected call succeeds.

Needs /usr/bin/chromium and /usr/bin/chromedriver (`.ci/run` installs the Debian packages); nothing is downloaded
at run time. Screenshots of each step go to .local/artifacts/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.e2e.conftest import Api

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".local" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2400",
]
TIMEOUT = 60


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    assert not missing, f"{missing} not installed: apt-get install chromium chromium-driver (.ci/run does)"
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROMIUM_ARGS:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, TIMEOUT)


def operation(driver: WebDriver, method: str, path: str) -> WebElement:
    """The expanded operation block of METHOD path."""
    summary = wait(driver).until(
        expected_conditions.element_to_be_clickable(
            (By.CSS_SELECTOR, f".opblock-{method} .opblock-summary-path[data-path='{path}']")
        )
    )
    block = summary.find_element(By.XPATH, "./ancestor::div[contains(@class, 'opblock ')]")
    if "is-open" not in (block.get_attribute("class") or ""):
        summary.click()
    wait(driver).until(lambda _: block.find_elements(By.CSS_SELECTOR, ".try-out__btn"))
    return block


def try_it_out(driver: WebDriver, block: WebElement, parameters: dict[str, str] | None = None) -> tuple[str, str, str]:
    """Try it out -> fill parameters -> Execute; returns (request URL, status, response body) as the page shows."""
    block.find_element(By.CSS_SELECTOR, ".try-out__btn").click()
    for name, value in (parameters or {}).items():
        field = wait(driver).until(
            expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, f"input[placeholder='{name}']"))
        )
        field.clear()
        field.send_keys(value)
    block.find_element(By.CSS_SELECTOR, ".execute").click()
    status = wait(driver).until(
        lambda _: block.find_element(By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status")
    )
    wait(driver).until(lambda _: status.text.strip())
    url = block.find_element(By.CSS_SELECTOR, ".request-url pre").text
    body = block.find_element(By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_description pre").text
    return url, status.text.strip().split()[0], body


def authorize(driver: WebDriver, token: str) -> None:
    driver.find_element(By.CSS_SELECTOR, ".auth-wrapper .authorize").click()
    modal = wait(driver).until(lambda _: driver.find_element(By.CSS_SELECTOR, ".modal-ux"))
    modal.find_element(By.CSS_SELECTOR, "input").send_keys(token)
    modal.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper .authorize").click()
    wait(driver).until(lambda _: modal.find_elements(By.CSS_SELECTOR, ".auth-btn-wrapper .btn-done"))
    modal.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper .btn-done").click()


def test_try_it_out_calls_the_local_api_public_then_authorized(
    browser: WebDriver, api: Api, customer: tuple[str, str]
) -> None:
    username, token = customer
    browser.get(f"{api.base_url}/docs")
    wait(browser).until(lambda _: browser.find_elements(By.CSS_SELECTOR, ".opblock"))
    browser.save_screenshot(str(ARTIFACTS / "swagger-1-loaded.png"))
    spec_link = browser.find_element(By.CSS_SELECTOR, ".info .link, .info a").get_attribute("href") or ""
    assert spec_link.endswith("/docs?format=json")
    assert api.session.get(spec_link, timeout=60).json()["servers"][0]["url"] == api.base_url

    url, status, body = try_it_out(browser, operation(browser, "get", "/sales/display-goods"))
    browser.save_screenshot(str(ARTIFACTS / "swagger-2-display-goods.png"))
    assert url.startswith(f"{api.base_url}/sales/display-goods")
    assert status == "200"
    assert '"items"' in body

    authorize(browser, token)
    url, status, body = try_it_out(browser, operation(browser, "get", "/customers/{username}"), {"username": username})
    block = operation(browser, "get", "/customers/{username}")
    browser.execute_script("arguments[0].scrollIntoView();", block)
    browser.save_screenshot(str(ARTIFACTS / "swagger-3-get-customer.png"))
    assert url == f"{api.base_url}/customers/{username}"
    assert status == "200"
    assert f'"username": "{username}"' in body
