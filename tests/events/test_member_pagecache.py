"""Tests for the organisers' pages kept in the cache (events.pagecache.cached_member_page) under the database's
version (events.dataversion): served again while nothing was written, never after a write, whatever made it."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attendees.models import Fan, Ticket
from events import pagecache
from tests.attendees.factories import TicketFactory
from tests.factories import CommunityFactory, EventFactory, MembershipFactory


@pytest.fixture
def desk(db):
    community = CommunityFactory(slug="paris-py")
    event = EventFactory(community=community, slug="summer")
    ticket = TicketFactory(order__event=event, holder_name="Camille Durand", holder_email="camille@example.com")
    fan = Fan.objects.create(community=community, email="camille@example.com", name="Camille Durand")
    Ticket.objects.filter(pk=ticket.pk).update(fan=fan)
    organiser = MembershipFactory(community=community, user__email="ada@example.com").user
    return community, event, ticket, fan, organiser


def organiser_browser(user) -> Client:
    """A signed-in browser that already holds its CSRF cookie, as after any earlier page with a form."""
    browser = Client()
    browser.force_login(user)
    browser.get(reverse("fans:my_data"))
    assert "csrftoken" in browser.cookies
    return browser


def kept(url: str, organiser) -> Client:
    """The organiser's browser, once `url` is in the cache for it (rendered, then served from the cache)."""
    browser = organiser_browser(organiser)
    browser.get(url)
    assert browser.get(url)[pagecache.CACHE_HEADER] == "hit"
    return browser


def urls(community, event, fan) -> dict[str, str]:
    return {
        "attendee list": reverse("attendees_list:attendees", kwargs={"community": "paris-py", "event": "summer"}),
        "people": reverse("fans:people", kwargs={"community": "paris-py"}),
        "fan": reverse("fans:fan", kwargs={"community": "paris-py", "fan": fan.pk}),
        "dashboard": reverse("dashboard:dashboard", kwargs={"community": "paris-py"}),
    }


@pytest.mark.parametrize(("page", "queries"), [("attendee list", 4), ("people", 4), ("fan", 5), ("dashboard", 4)])
def test_a_page_asked_again_with_nothing_written_is_served_from_the_cache(
    desk, page, queries, django_assert_num_queries
):
    community, event, _ticket, fan, organiser = desk
    url = urls(community, event, fan)[page]
    browser = organiser_browser(organiser)

    first = browser.get(url)
    # Again: the session, the person, the access check (the event or the community with the role; then the fan)
    # and the version.
    with django_assert_num_queries(queries):
        second = browser.get(url)

    assert (first[pagecache.CACHE_HEADER], second[pagecache.CACHE_HEADER]) == ("miss", "hit")
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Camille Durand" in second.content.decode() or page == "dashboard"


def test_any_committed_write_shows_at_once_even_one_made_with_update(desk):
    community, event, ticket, fan, organiser = desk
    url = urls(community, event, fan)["attendee list"]
    browser = kept(url, organiser)

    Ticket.objects.filter(pk=ticket.pk).update(holder_name="Camille Renamed")
    after = browser.get(url)

    assert after[pagecache.CACHE_HEADER] == "miss"
    assert "Camille Renamed" in after.content.decode()
    assert browser.get(url)[pagecache.CACHE_HEADER] == "hit"


def test_each_organiser_and_each_address_gets_its_own_page(desk):
    community, event, _ticket, fan, organiser = desk
    url = urls(community, event, fan)["attendee list"]
    other = MembershipFactory(community=community, user__email="grace@example.com").user
    ada, grace = kept(url, organiser), organiser_browser(other)

    grace_page = grace.get(url)
    filtered = ada.get(url + "?checked_in=no")
    partial = ada.get(url, headers={"HX-Request": "true"})

    assert grace_page[pagecache.CACHE_HEADER] == "miss"
    assert "grace@example.com" in grace_page.content.decode()
    assert "ada@example.com" not in grace_page.content.decode()
    assert filtered[pagecache.CACHE_HEADER] == "miss"
    assert partial[pagecache.CACHE_HEADER] == "miss"
    assert "<html" not in partial.content.decode()


def test_a_page_carrying_a_message_is_neither_served_from_nor_kept_in_the_cache(desk):
    community, event, _ticket, fan, organiser = desk
    url = urls(community, event, fan)["fan"]
    browser = kept(url, organiser)
    note_url = reverse("fans:fan_note", kwargs={"community": "paris-py", "fan": fan.pk})

    with_message = browser.post(note_url, {"note": "Brings the stickers"}, follow=True)
    after = browser.get(url)

    assert pagecache.CACHE_HEADER not in with_message
    assert "Note saved." in with_message.content.decode()
    assert "Brings the stickers" in with_message.content.decode()
    assert after[pagecache.CACHE_HEADER] == "miss"
    assert "Note saved." not in after.content.decode()
    assert browser.get(url)[pagecache.CACHE_HEADER] == "hit"


def test_a_page_is_not_kept_past_the_turn_of_the_minute(desk, monkeypatch):
    community, event, _ticket, fan, organiser = desk
    url = urls(community, event, fan)["dashboard"]
    browser = organiser_browser(organiser)
    turn = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: turn - dt.timedelta(seconds=1))
    browser.get(url)
    assert browser.get(url)[pagecache.CACHE_HEADER] == "hit"

    monkeypatch.setattr(timezone, "now", lambda: turn + dt.timedelta(seconds=1))

    assert browser.get(url)[pagecache.CACHE_HEADER] == "miss"


def test_a_browser_without_its_csrf_cookie_yet_gets_a_fresh_page(desk):
    community, event, _ticket, fan, organiser = desk
    browser = Client()
    browser.force_login(organiser)

    first = browser.get(urls(community, event, fan)["people"])

    assert pagecache.CACHE_HEADER not in first
    assert "csrftoken" in first.cookies  # the page's forms carry a token of this new cookie
