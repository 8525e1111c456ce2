"""Russian first: Russian unless the user switches to English; the catalog is complete and compiled."""

import gettext
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from .conftest import skip_or_fail

CHILDREN = reverse("gradebook:children")
PO = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _msgfmt(*args: str) -> subprocess.CompletedProcess:
    """Run GNU msgfmt in the C locale (its own messages could be translated otherwise)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        skip_or_fail("msgfmt is missing: install gettext (apt-get install gettext)")
    env = {**os.environ, "LC_ALL": "C", "LANGUAGE": ""}
    return subprocess.run([msgfmt, *args], capture_output=True, text=True, env=env, check=False)


def _set_language(client, code: str, next_url: str):
    response = client.post(reverse("set_language"), {"language": code, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url


# --- What the user sees ----------------------------------------------------------------------


def test_a_page_is_in_russian_by_default(client, world):
    client.force_login(world.parent.user)
    html = client.get(CHILDREN).content.decode()
    assert '<html lang="ru">' in html
    assert "Мои дети" in html
    assert "Классный руководитель" in html
    assert "My children" not in html


def test_an_english_browser_still_gets_russian_until_the_switch(client, world):
    client.force_login(world.parent.user)
    text = client.get(CHILDREN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="ru"' in text and "Мои дети" in text


def test_the_sign_in_page_is_in_russian(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert '<html lang="ru">' in html
    for text in ("Войти", "Логин или адрес электронной почты", "Пароль", "У меня есть код активации"):
        assert text in html, text
    assert "Sign In" not in html


def test_the_language_switch_turns_the_portal_to_english_and_back(client, world):
    client.force_login(world.parent.user)
    _set_language(client, "en", CHILDREN)
    html = client.get(CHILDREN).content.decode()
    assert '<html lang="en">' in html
    assert "My children" in html
    assert "Мои дети" not in html
    _set_language(client, "ru", CHILDREN)
    assert "Мои дети" in client.get(CHILDREN).content.decode()


def test_counts_agree_with_their_number_in_russian(client, world):
    """School A has two classes: «2 класса», not «2 классов»."""
    client.force_login(world.admin.user)
    html = client.get(reverse("gradebook:school-overview")).content.decode()
    assert '<span class="stat">2</span>класса' in html


@pytest.mark.parametrize(
    ("n", "word"), [(1, "класс"), (2, "класса"), (4, "класса"), (5, "классов"), (11, "классов"), (21, "класс"),
                    (22, "класса"), (112, "классов")],
)  # fmt: skip
def test_the_catalog_has_the_three_russian_plural_forms(n, word):
    with translation.override("ru"):
        assert translation.npgettext("school overview", "class", "classes", n) == word


def test_dates_are_written_the_russian_way():
    with translation.override("ru"):
        assert formats.date_format(date(2026, 9, 1)) == "1 сентября 2026 г."


# --- The catalog -----------------------------------------------------------------------------


def test_the_russian_catalog_is_complete_and_its_placeholders_match():
    """No empty and no fuzzy msgstr; ``--check`` refuses a translation that loses a %(name)s or {name}."""
    result = _msgfmt("--check", "--statistics", "-o", os.devnull, str(PO))
    report = result.stderr + result.stdout
    assert result.returncode == 0, report
    assert "translated message" in report, report
    assert "untranslated" not in report, f"{report}: translate them in {PO}"
    assert "fuzzy" not in report, f"{report}: review the fuzzy entries in {PO} and remove the flag"


def _catalog(path: Path) -> dict:
    with path.open("rb") as mo:
        return gettext.GNUTranslations(mo)._catalog


def test_the_committed_mo_is_compiled_from_the_current_po(tmp_path):
    """The .mo is committed (a fresh machine may lack gettext): it must say what the .po says."""
    fresh = tmp_path / "django.mo"
    result = _msgfmt("--check-format", "-o", str(fresh), str(PO))
    assert result.returncode == 0, result.stderr
    assert MO.exists(), f"{MO} is missing: run make messages"
    committed, expected = _catalog(MO), _catalog(fresh)
    stale = sorted(str(key) for key in expected.keys() | committed.keys() if expected.get(key) != committed.get(key))
    assert not stale, f"{MO} is stale (run make messages); differing entries: {stale[:5]}"
