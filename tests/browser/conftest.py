"""A headless Chromium driven by Selenium, shared by a module, for the examples' pages.

Debian's chromium through Debian's chromedriver, both named explicitly (and SE_OFFLINE set), so
Selenium Manager never looks for, or downloads, a browser or a driver. Waits are on DOM
conditions with generous timeouts: the machine is shared and slow at times.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
WAIT = 30.0  # seconds for anything the page should show (a loaded machine can be slow)

T = TypeVar("T")


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the module, with a fresh profile; quit at teardown."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            pytest.fail(f"{path} is missing: run scripts/install-system (installs {package})")
    profile = tempfile.mkdtemp(prefix="faas-grip-chromium-")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SE_OFFLINE", "true")  # never let Selenium Manager reach the network
            options = webdriver.ChromeOptions()
            options.binary_location = str(CHROMIUM)
            for flag in (*FLAGS, f"--user-data-dir={profile}"):
                options.add_argument(flag)
            options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
            service = Service(executable_path=str(CHROMEDRIVER), log_output=subprocess.DEVNULL)
            driver = webdriver.Chrome(service=service, options=options)
        try:
            driver.set_page_load_timeout(WAIT)
            yield driver
        finally:
            driver.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], T], message: str) -> T:
    """What `condition(driver)` returns once it is truthy; fails after WAIT seconds, showing
    what the page showed then (its text and console)."""
    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.2).until(condition, message)
    except TimeoutException:
        text = driver.execute_script("return document.body ? document.body.innerText : ''")
        console = [e["message"] for e in driver.get_log("browser")]
        pytest.fail(f"{message}\n--- the page showed:\n{text}\n--- its console:\n{console}")


def texts(driver: WebDriver, selector: str) -> list[str]:
    """The text of every element matching `selector`, in document order (one round trip)."""
    script = "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent)"
    result: Any = driver.execute_script(script, selector)
    return list(result)


def console_errors(driver: WebDriver) -> list[str]:
    """The page's console errors since the last call (failed loads such as a 404 included)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


class Page:
    """One browser window on a page; every call first switches the driver to that window."""

    def __init__(self, driver: WebDriver, handle: str) -> None:
        self.driver = driver
        self.handle = handle

    def focus(self) -> WebDriver:
        if self.driver.current_window_handle != self.handle:
            self.driver.switch_to.window(self.handle)
        return self.driver

    def texts(self, selector: str) -> list[str]:
        return texts(self.focus(), selector)

    def wait_for(self, condition: Callable[[], T], message: str) -> T:
        """What `condition()` returns once it is truthy (read with this page's methods)."""
        return wait_for(self.focus(), lambda _: condition(), message)

    def type(self, selector: str, text: str) -> None:
        """Type `text` and Enter into the field, once the page has enabled it."""
        field = self.wait_for(
            lambda: next(
                iter(
                    e
                    for e in self.focus().find_elements(By.CSS_SELECTOR, selector)
                    if e.is_enabled()
                ),
                None,
            ),
            f"{selector} never became enabled",
        )
        field.send_keys(text + Keys.ENTER)


@pytest.fixture
def open_page(browser: WebDriver) -> Iterator[Callable[[str], Page]]:
    """Open URLs in new windows (`page = open_page(url)`); they close at teardown."""
    home = browser.current_window_handle
    opened: list[str] = []

    def open_(url: str) -> Page:
        browser.switch_to.new_window("window")
        opened.append(browser.current_window_handle)
        browser.get(url)
        return Page(browser, browser.current_window_handle)

    yield open_
    for handle in opened:
        browser.switch_to.window(handle)
        browser.close()
    browser.switch_to.window(home)
    browser.get_log("browser")  # what those pages logged is not the next test's
