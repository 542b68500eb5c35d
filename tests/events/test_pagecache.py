"""Tests for events.pagecache: anonymous visitors share rendered pages, and any change shows at once."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import add_message, constants
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from events import pagecache, views
from events.models import Community, Event, TicketType, Venue
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db
EVENT_URL = "/c/paris-py/summer/"


@pytest.fixture
def event(db):
    community = CommunityFactory(name="Paris Py", slug="paris-py")
    return EventFactory(community=community, slug="summer", title="Summer meetup", capacity=50)


def bump(model, pk, **changes):
    """What every organiser-side write does: change the row and set its updated_at to now."""
    model.objects.filter(pk=pk).update(updated_at=timezone.now() + dt.timedelta(seconds=1), **changes)


def csrf_tokens(response) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.parametrize(
    ("path", "cold"),
    [(EVENT_URL, 3), ("/c/paris-py/", 4), ("/", 4), ("/c/paris-py/calendar.ics", 3), ("/?q=summer&page=1", 4)],
)
def test_second_anonymous_request_is_served_from_the_cache_with_one_query(
    client, django_assert_num_queries, event, path, cold
):
    with django_assert_num_queries(cold):
        first = client.get(path)
    # Explain any new query: the one cheap query that reads the version of what the page shows.
    with django_assert_num_queries(1):
        second = Client().get(path)

    assert (first[pagecache.CACHE_HEADER], second[pagecache.CACHE_HEADER]) == ("miss", "hit")
    assert second["Content-Type"] == first["Content-Type"]
    assert without_csrf(second) == without_csrf(first)
    assert "Summer meetup" in second.content.decode()


def test_head_request_is_served_from_the_cache(client, event):
    client.get(EVENT_URL)

    response = client.head(EVENT_URL)

    assert response[pagecache.CACHE_HEADER] == "hit"


def test_event_edit_shows_at_once(client, event):
    assert "Summer meetup" in client.get(EVENT_URL).content.decode()

    bump(Event, event.pk, title="Summer meetup (new room)")
    response = client.get(EVENT_URL)

    assert response[pagecache.CACHE_HEADER] == "miss"
    assert "<title>Summer meetup (new room) · Paris Py</title>" in response.content.decode()


def test_ticket_type_change_shows_at_once(client, event):
    ticket_type = TicketTypeFactory(event=event, name="Standard")
    client.get(EVENT_URL)

    TicketType.objects.filter(pk=ticket_type.pk).update(name="Early bird")
    bump(Event, event.pk)  # the contract: a ticket type write touches its event
    content = client.get(EVENT_URL).content.decode()

    assert '<span class="ticket__name">Early bird</span>' in content


def test_registrations_show_at_once(client, event):
    ticket_type = TicketTypeFactory(event=event, quantity=5)
    client.get(EVENT_URL)

    # What attendees.services does under its row lock: counters, and the event's updated_at.
    TicketType.objects.filter(pk=ticket_type.pk).update(quantity_sold=5)
    bump(Event, event.pk, seats_taken=49)
    content = client.get(EVENT_URL).content.decode()

    assert '<span class="fact__main">1 place left</span>' in content
    assert '<span class="badge badge--warn">Sold out</span>' in content


def test_seats_taken_alone_shows_at_once(client, event):
    client.get(EVENT_URL)

    Event.objects.filter(pk=event.pk).update(seats_taken=50)

    assert '<span class="fact__main text-danger">Sold out</span>' in client.get(EVENT_URL).content.decode()


def test_community_and_venue_changes_show_at_once_everywhere(client, event):
    for path in (EVENT_URL, "/c/paris-py/", "/"):
        client.get(path)

    bump(Community, event.community_id, name="Paris Python")
    bump(Venue, event.venue_id, city="Lyon")

    event_page = client.get(EVENT_URL).content.decode()
    assert '<dd><a class="fact__link" href="/c/paris-py/">Paris Python</a></dd>' in event_page
    assert "Lyon" in event_page
    assert "<h1>Paris Python</h1>" in client.get("/c/paris-py/").content.decode()
    home = client.get("/").content.decode()
    assert '<span class="event-card__community">Paris Python</span>' in home
    assert "<span>Lyon</span>" in home


def test_publishing_or_hiding_an_event_shows_at_once_in_lists(client, event):
    client.get("/")
    client.get("/c/paris-py/calendar.ics")

    bump(Event, event.pk, visibility=Event.Visibility.UNLISTED)

    assert "Summer meetup" not in client.get("/").content.decode()
    assert b"Summer meetup" not in client.get("/c/paris-py/calendar.ics").content


def test_logged_in_organiser_never_gets_the_anonymous_page(client, event):
    anonymous = client.get(EVENT_URL)
    organiser = Client()
    organiser.force_login(MembershipFactory(community=event.community).user)

    response = organiser.get(EVENT_URL)

    assert anonymous[pagecache.CACHE_HEADER] == "miss"
    assert pagecache.CACHE_HEADER not in response
    assert "You organise this event." in response.content.decode()
    assert "Log out" in response.content.decode()
    # ...and what the organiser saw was not stored for anonymous visitors either.
    again = Client().get(EVENT_URL)
    assert again[pagecache.CACHE_HEADER] == "hit"
    assert "You organise this event." not in again.content.decode()


def test_logged_in_visitor_is_never_served_nor_stored(client, event):
    client.force_login(UserFactory())

    first = client.get("/")
    second = client.get("/")

    assert pagecache.CACHE_HEADER not in first and pagecache.CACHE_HEADER not in second
    assert Client().get("/")[pagecache.CACHE_HEADER] == "miss"


def test_draft_banner_is_never_cached(client, event):
    bump(Event, event.pk, status=Event.Status.DRAFT)
    organiser = Client()
    organiser.force_login(MembershipFactory(community=event.community).user)
    assert "Draft: only organisers can see this page." in organiser.get(EVENT_URL).content.decode()
    assert client.get(EVENT_URL).status_code == 404

    bump(Event, event.pk, status=Event.Status.PUBLISHED)
    response = client.get(EVENT_URL)

    assert response[pagecache.CACHE_HEADER] == "miss"
    assert "Draft:" not in response.content.decode()


def test_shared_pages_carry_no_csrf_token_and_set_no_cookie(event):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_page = first.get(EVENT_URL)
    second_page = second.get(EVENT_URL)

    assert (first_page[pagecache.CACHE_HEADER], second_page[pagecache.CACHE_HEADER]) == ("miss", "hit")
    assert (csrf_tokens(first_page), csrf_tokens(second_page)) == ([], [])
    assert (dict(first_page.cookies), dict(second_page.cookies)) == ({}, {})


def test_page_holding_a_csrf_token_is_not_shared(rf, event):
    from django.middleware.csrf import get_token

    def anonymous_request():
        request = rf.get(EVENT_URL)
        request.user, request.session = AnonymousUser(), SessionStore()
        return request

    with_form = anonymous_request()
    first = pagecache.cached_page(with_form, version=("v",), render=lambda: HttpResponse(get_token(with_form)))
    second = pagecache.cached_page(anonymous_request(), version=("v",), render=lambda: HttpResponse("fresh"))

    assert (first[pagecache.CACHE_HEADER], second[pagecache.CACHE_HEADER]) == ("miss", "miss")
    assert second.content == b"fresh"


def test_languages_are_cached_apart(client, event):
    TicketTypeFactory(event=event, price="12.00")
    english = client.get(EVENT_URL).content.decode()
    french = client.get(EVENT_URL, headers={"accept-language": "fr"})
    english_again = client.get(EVENT_URL)

    assert french[pagecache.CACHE_HEADER] == "miss"
    assert "12,00\u00a0€" in french.content.decode()
    assert english_again[pagecache.CACHE_HEADER] == "hit"
    assert "€12.00" in english and "€12.00" in english_again.content.decode()


def test_query_strings_are_cached_apart(client, event):
    EventFactory(community=event.community, title="Winter meetup")

    assert "Winter meetup" in client.get("/").content.decode()
    filtered = client.get("/?q=summer")

    assert filtered[pagecache.CACHE_HEADER] == "miss"
    assert "Winter meetup" not in filtered.content.decode()


def test_page_with_a_message_is_neither_served_nor_stored(event):
    request = RequestFactory().get(EVENT_URL)
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    add_message(request, constants.SUCCESS, "You have signed out.")

    assert pagecache.can_share(request) is False
    response = views.event(request, community="paris-py", event="summer")

    assert pagecache.CACHE_HEADER not in response
    assert "You have signed out." in response.content.decode()
    assert Client().get(EVENT_URL)[pagecache.CACHE_HEADER] == "miss"


def _anonymous_get(path="/anything/"):
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_cached_page_does_not_store_responses_with_cookies_or_errors():
    def with_cookie():
        response = HttpResponse("personal")
        response.set_cookie("seen", "1")
        return response

    for render in (with_cookie, lambda: HttpResponse("gone", status=410)):
        first = pagecache.cached_page(_anonymous_get(), version=("v",), render=render)
        second = pagecache.cached_page(_anonymous_get(), version=("v",), render=render)
        assert (first[pagecache.CACHE_HEADER], second[pagecache.CACHE_HEADER]) == ("miss", "miss")


def test_cached_page_keeps_a_page_until_the_moment_it_changes_by_itself():
    def changes_now():
        return pagecache.expire_at(HttpResponse("about to change"), timezone.now())

    def changes_later():
        return pagecache.expire_at(HttpResponse("stable"), timezone.now() + dt.timedelta(hours=1))

    pagecache.cached_page(_anonymous_get("/a/"), version=("v",), render=changes_now)
    pagecache.cached_page(_anonymous_get("/b/"), version=("v",), render=changes_later)

    assert pagecache.cached_page(_anonymous_get("/a/"), version=("v",), render=changes_now)["X-Page-Cache"] == "miss"
    hit = pagecache.cached_page(_anonymous_get("/b/"), version=("v",), render=changes_later)
    assert (hit["X-Page-Cache"], hit.content) == ("hit", b"stable")


def test_cached_page_new_version_renders_again():
    calls = []

    def render():
        calls.append(1)
        return HttpResponse(f"render {len(calls)}")

    first = pagecache.cached_page(_anonymous_get(), version=(1,), render=render)
    same = pagecache.cached_page(_anonymous_get(), version=(1,), render=render)
    newer = pagecache.cached_page(_anonymous_get(), version=(2,), render=render)

    assert [first.content, same.content, newer.content] == [b"render 1", b"render 1", b"render 2"]
