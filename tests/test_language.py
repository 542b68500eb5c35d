"""The language switch: a link that sets the language cookie and goes back, refusing foreign redirects."""

import pytest
from django.conf import settings


@pytest.mark.parametrize(
    ("query", "location", "cookie"),
    [
        ("language=fr&next=/c/paris/", "/c/paris/", "fr"),
        ("language=en&next=/", "/", "en"),
        ("language=de&next=/c/paris/", "/c/paris/", None),
        ("language=fr&next=https://evil.example/", "/", "fr"),
        ("language=fr&next=//evil.example/x", "/", "fr"),
        ("", "/", None),
    ],
)
def test_switch_language_sets_cookie_and_redirects_safely(client, query, location, cookie):
    response = client.get(f"/language/?{query}")

    assert (response.status_code, response["Location"]) == (302, location)
    morsel = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    assert (morsel.value if morsel else None) == cookie


@pytest.mark.django_db
def test_switch_language_changes_the_language_of_the_next_page(client):
    client.get("/language/?language=fr&next=/")

    page = client.get("/").content.decode()

    assert '<html lang="fr">' in page
    assert 'aria-current="true">Français</a>' in page


def test_switch_language_refuses_post(client):
    response = client.post("/language/", {"language": "fr"})

    assert (response.status_code, settings.LANGUAGE_COOKIE_NAME in response.cookies) == (405, False)
