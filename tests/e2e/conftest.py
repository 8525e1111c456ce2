"""Browser tests: Debian's Chromium driven by Playwright against ``live_server``.

They run in their own pytest invocation (``make test`` does it) with DJANGO_ALLOW_ASYNC_UNSAFE=1:
Playwright's event loop would otherwise break the ORM in the tests after them.
"""

import os
from pathlib import Path

import pytest

from ..conftest import skip_or_fail

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium is not installed at {CHROMIUM}: sudo apt install chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A parent on a phone: 375 px wide, Russian."""
    return {**browser_context_args, "viewport": {"width": 375, "height": 812}, "locale": "ru-RU"}
