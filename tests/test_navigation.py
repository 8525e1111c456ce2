"""The navigation's links to exchange's pages (API clients, import and export): school administrators only."""

import pytest
from django.urls import reverse

EXCHANGE_LINKS = [reverse("exchange:client-list"), reverse("exchange:import")]


def _links(client, user, page: str) -> list[str]:
    client.force_login(user)
    html = client.get(reverse(page)).content.decode()
    return [url for url in EXCHANGE_LINKS if f'href="{url}"' in html]


def test_the_administrators_navigation_links_exchanges_pages(client, world):
    assert _links(client, world.admin.user, "gradebook:school-overview") == EXCHANGE_LINKS
    for url in EXCHANGE_LINKS:
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("staff", "gradebook:school-overview"),
        ("teacher", "gradebook:class-list"),
        ("class_teacher", "gradebook:class-list"),
        ("parent", "gradebook:children"),
    ],
)
def test_other_roles_navigation_does_not(client, world, who, page):
    assert _links(client, getattr(world, who).user, page) == []
