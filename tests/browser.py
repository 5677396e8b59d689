"""Browser tests' support: widgets served by viz.serve, opened in Debian's headless Chromium.

    with browser_pages(["viz.playground:playground"]) as pages:
        page = pages.open_page("playground")   # a Playwright Page, the widget shown
        page.get_by_role("button", name=re.compile("Play")).click()

One Voila server (on a free port of 127.0.0.1) serves every target, so a test can open many
pages for one server start. Chromium is Debian's `chromium` (`make chromium` installs it),
launched by Playwright with `executable_path`: `playwright install` needs the internet. A missing
Chromium or Playwright fails the test with how to install it; it never skips. Every request for
anything outside 127.0.0.1 is aborted and listed in `pages.external`, so a page that needs the
internet shows up.
"""

import shutil
import socket
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest

from viz.serve import HOST, Server, VoilaExited

CHROMIUM_FLAGS = [
    "--no-sandbox",  # tests may run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = {"data", "blob", "about"}
PORT_ATTEMPTS = 3  # another process may take the free port before Voila binds it


class Browser:
    """Headless Chromium's pages; requests outside 127.0.0.1 are aborted and listed."""

    def __init__(self, context) -> None:
        self.context = context  # Playwright BrowserContext: every page opened shares its routes
        self.external: list[str] = []  # URLs outside 127.0.0.1 that a page asked for (aborted)
        context.route("**/*", self._local_only)

    def open(self, url: str, timeout: float = 60.0):
        """A new tab on `url`, once the page's widgets are drawn: a Playwright Page."""
        page = self.context.new_page()
        page.set_default_timeout(timeout * 1000)
        page.goto(url)
        page.wait_for_selector(".jupyter-widgets", state="visible")
        return page

    def _local_only(self, route) -> None:
        url = urlparse(route.request.url)
        if url.scheme in LOCAL_SCHEMES or url.hostname == HOST:
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()


class Pages:
    """The pages of one server, opened by name in one browser."""

    def __init__(self, server: Server, browser: Browser) -> None:
        self.server, self.browser = server, browser
        self.external = browser.external

    def open_page(self, name: str, hash: str = "", timeout: float = 60.0):
        """A new tab on the served page `name` (a function's name), with `#hash` if given."""
        return self.browser.open(self.server.urls[name] + (f"#{hash}" if hash else ""), timeout)


def chromium_path() -> str:
    """Where Debian's chromium is; fails the test with how to install it if it is missing."""
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "chromium is missing, and the browser tests need it: run "
            "'make chromium' (or 'sudo apt-get install chromium')",
            pytrace=False,
        )
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def served(targets: Sequence[str]) -> Iterator[Server]:
    """A running viz.serve.Server of `targets` on a free port; stopped (SIGINT, then SIGKILL)
    on leaving."""
    for attempt in range(PORT_ATTEMPTS):
        server = Server(targets, free_port())
        try:
            server.start()
            break
        except VoilaExited:
            if attempt == PORT_ATTEMPTS - 1:
                raise
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def chromium(viewport: tuple[int, int] = (1280, 900)) -> Iterator[Browser]:
    """Headless Debian Chromium with a fresh profile, closed on leaving."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: pip install -e '.[dev]'", pytrace=False)
    width, height = viewport
    with sync_playwright() as playwright, \
            tempfile.TemporaryDirectory(prefix="tracegrad-chromium-") as profile:  # fmt: skip
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": width, "height": height},
        )  # fmt: skip
        try:
            yield Browser(context)
        finally:
            context.close()


@contextmanager
def browser_pages(targets: Sequence[str], viewport: tuple[int, int] = (1280, 900)
                  ) -> Iterator[Pages]:  # fmt: skip
    """Serve `targets` (viz.serve "module:function" strings) on a free port and open them in
    headless Chromium: `pages.open_page(name)`."""
    with served(targets) as server, chromium(viewport) as browser:
        yield Pages(server, browser)
