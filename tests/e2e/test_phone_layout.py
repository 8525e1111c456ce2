"""Every page of the portal fits a 375-px phone and starts with a skip link for keyboard users."""

import pytest
from django.core.management import call_command

from .test_parent_cabinet import sign_in

PAGES_BY_LOGIN = {
    "admin@school.test": ["/school/", "/classes/", "/school/accounts/"],
    "teacher@school.test": ["/classes/"],
    "student@school.test": ["/"],
    "parent@school.test": ["/children/"],
}


@pytest.fixture
def demo_school(transactional_db):
    call_command("seed_demo", "--seed", "1", verbosity=0)


def test_pages_fit_a_phone_and_open_with_the_keyboard(page, live_server, demo_school):
    for login, paths in PAGES_BY_LOGIN.items():
        page.context.clear_cookies()
        sign_in(page, live_server.url, login)
        for path in paths:
            page.goto(live_server.url + path)
            assert page.locator("h1").count() >= 1, path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{login} {path} is {width}px wide"
            # The first Tab reaches the skip link, and following it lands on the content.
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.className") == "skip-link", path
            page.keyboard.press("Enter")
            assert page.evaluate("location.hash") == "#main", path
        # Opening a class from the list works with the keyboard alone.
        if login == "teacher@school.test":
            page.locator("main table a").first.focus()
            page.keyboard.press("Enter")
            page.wait_for_url("**/classes/*/")
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
