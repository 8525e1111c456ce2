"""A parent on a phone signs in, sees both children and opens one; another parent gets a 404 for that page."""

import pytest
from django.core.management import call_command

DEMO_PASSWORD = "ediary-demo"


@pytest.fixture
def demo_school(transactional_db):
    call_command("seed_demo", "--seed", "1", verbosity=0)


def sign_in(page, base_url: str, login: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_parent_sees_both_children_and_opens_one(page, live_server, demo_school):
    sign_in(page, live_server.url, "parent@school.test")
    assert page.url.endswith("/children/")
    cards = page.locator("main article")
    assert cards.count() == 2
    classes = page.locator("main article dd").all_inner_texts()
    assert "5А" in classes and "8В" in classes
    # Nothing spills sideways on a 375-px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    first_child = cards.first.locator("h2 a")
    child_name = first_child.inner_text()
    first_child.click()
    page.wait_for_load_state()
    assert "/students/" in page.url
    assert page.locator("h1").inner_text().startswith(child_name.split()[-1])
    assert page.get_by_role("table").count() == 1  # teachers by subject
    child_url = page.url

    page.context.clear_cookies()
    sign_in(page, live_server.url, "parent2@school.test")
    response = page.goto(child_url)
    assert response.status == 404
