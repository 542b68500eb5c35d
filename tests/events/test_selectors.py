"""Tests for events.selectors: what the public pages, feeds and sitemaps read."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone

from events import selectors
from events.models import Event
from tests.factories import CommunityFactory, EventFactory, TicketTypeFactory, VenueFactory

NOW = timezone.now().replace(microsecond=0)
DAY = dt.timedelta(days=1)
pytestmark = pytest.mark.django_db


def make_event(days: float, **kwargs) -> Event:
    """An event starting `days` from now and lasting two hours."""
    start = NOW + dt.timedelta(days=days)
    return EventFactory(start=start, end=start + dt.timedelta(hours=2), **kwargs)


def test_listed_events_upcoming_are_soonest_first_and_only_public_ones():
    later = make_event(10, title="Later")
    soon = make_event(2, title="Soon")
    cancelled = make_event(5, title="Cancelled", status=Event.Status.CANCELLED)
    make_event(3, title="Draft", status=Event.Status.DRAFT)
    make_event(4, title="Unlisted", visibility=Event.Visibility.UNLISTED)
    make_event(-3, title="Past")

    events = selectors.listed_events(filters=selectors.EventFilters(), now=NOW)

    assert list(events) == [soon, cancelled, later]


def test_listed_events_past_are_latest_first():
    make_event(2, title="Upcoming")
    old = make_event(-30, title="Old")
    recent = make_event(-2, title="Recent")
    make_event(-5, title="Past draft", status=Event.Status.DRAFT)

    events = selectors.listed_events(filters=selectors.EventFilters(past=True), now=NOW)

    assert list(events) == [recent, old]


def test_listed_events_an_event_under_way_is_still_upcoming():
    running = make_event(-1 / 24)  # started an hour ago, ends in an hour

    assert list(selectors.listed_events(filters=selectors.EventFilters(), now=NOW)) == [running]
    assert list(selectors.listed_events(filters=selectors.EventFilters(past=True), now=NOW)) == []


def test_listed_events_filters_by_community():
    paris = CommunityFactory(name="Paris Py")
    mine = make_event(2, community=paris)
    make_event(1)

    events = selectors.listed_events(filters=selectors.EventFilters(community=paris), now=NOW)

    assert list(events) == [mine]


def test_listed_events_search_needs_every_word_in_some_field():
    lyon = CommunityFactory(name="Apéros Data")
    by_title = make_event(1, title="Rust night")
    by_city = make_event(2, title="Talks", venue=VenueFactory(city="Lyon"))
    by_community = make_event(3, title="Workshop", community=lyon)
    by_description = make_event(4, title="Other", description="We talk about Rust in Lyon")
    make_event(5, title="Python night")

    def search(q):
        return list(selectors.listed_events(filters=selectors.EventFilters(q=q), now=NOW))

    assert search("rust") == [by_title, by_description]
    assert search("lyon") == [by_city, by_description]
    assert search("apéros") == [by_community]
    assert search("rust lyon") == [by_description]
    assert search("nothing-like-this") == []


def test_listed_events_rows_carry_community_and_venue(django_assert_num_queries):
    make_event(1)
    make_event(2)

    with django_assert_num_queries(1):
        rows = [(e.community.name, e.venue.city) for e in selectors.listed_events(filters=selectors.EventFilters())]

    assert len(rows) == 2


def test_parse_event_filters_checks_every_parameter():
    paris = CommunityFactory(slug="paris-py")
    communities = [paris]

    filters, unknown = selectors.parse_event_filters(
        params=QueryDict("q=%20rust%20%20night%20&community=paris-py&when=past"), communities=communities
    )
    assert (filters, unknown) == (selectors.EventFilters(q="rust night", community=paris, past=True), "")

    filters, unknown = selectors.parse_event_filters(
        params=QueryDict("q=" + "x" * 500 + "&community=%3Cscript%3E&when=yesterday"), communities=communities
    )
    assert (filters, unknown) == (selectors.EventFilters(q="x" * 100), "<script>")

    filters, unknown = selectors.parse_event_filters(params=QueryDict(""), communities=communities)
    assert (filters, unknown) == (selectors.EventFilters(), "")


def test_listed_communities_are_those_with_public_events_by_name():
    zed = CommunityFactory(name="Zed")
    alpha = CommunityFactory(name="Alpha")
    make_event(1, community=zed)
    make_event(2, community=zed)
    make_event(-10, community=alpha, status=Event.Status.CANCELLED)
    make_event(1, community=CommunityFactory(name="Drafts only"), status=Event.Status.DRAFT)
    CommunityFactory(name="Empty")

    assert selectors.listed_communities() == [alpha, zed]


def test_home_version_changes_with_what_the_home_page_shows():
    event = make_event(1)
    other = make_event(3)
    versions = [selectors.home_version(now=NOW)]

    # Every write sets updated_at to the time of the write: later than anything before it.
    Event.objects.filter(pk=event.pk).update(updated_at=NOW + dt.timedelta(hours=1))
    versions.append(selectors.home_version(now=NOW))
    Event.objects.filter(pk=event.pk).update(seats_taken=4)
    versions.append(selectors.home_version(now=NOW))
    type(event.community).objects.filter(pk=event.community_id).update(updated_at=NOW + dt.timedelta(hours=2))
    versions.append(selectors.home_version(now=NOW))
    type(other.venue).objects.filter(pk=other.venue_id).update(updated_at=NOW + dt.timedelta(hours=3))
    versions.append(selectors.home_version(now=NOW))
    make_event(5)
    versions.append(selectors.home_version(now=NOW))
    # Time passes: the first event is over and moves to the past.
    versions.append(selectors.home_version(now=NOW + 2 * DAY))

    assert len(set(versions)) == len(versions)


def test_home_version_ignores_drafts_and_unlisted_events():
    make_event(1)
    before = selectors.home_version(now=NOW)

    make_event(2, status=Event.Status.DRAFT)
    make_event(2, visibility=Event.Visibility.UNLISTED)

    assert selectors.home_version(now=NOW) == before


def test_home_version_is_one_query(django_assert_num_queries):
    make_event(1)

    with django_assert_num_queries(1):
        selectors.home_version()


def test_community_for_page_finds_the_community_by_slug():
    community = CommunityFactory(slug="paris-py")

    assert selectors.community_for_page(slug="paris-py") == community
    assert selectors.community_for_page(slug="nobody") is None


def test_community_version_unknown_slug_is_none():
    assert selectors.community_version(slug="nobody") is None


def test_community_version_counts_only_public_events(django_assert_num_queries):
    community = CommunityFactory()
    make_event(1, community=community, seats_taken=3)
    make_event(-1, community=community, seats_taken=4)
    make_event(2, community=community, status=Event.Status.DRAFT, seats_taken=50)
    make_event(3, community=community, visibility=Event.Visibility.UNLISTED)
    make_event(4)  # another community
    selectors.community_version(slug=community.slug, now=NOW)  # compiles the SQL

    with django_assert_num_queries(1):
        pk, _updated, count, _changed, seats, next_end, _venues = selectors.community_version(
            slug=community.slug, now=NOW
        )

    assert (pk, count, seats) == (community.pk, 2, 7)
    assert next_end is not None


def test_community_version_of_a_community_without_events():
    community = CommunityFactory()

    pk, _updated, count, changed, seats, next_end, venues = selectors.community_version(slug=community.slug)

    assert (pk, count, changed, seats, next_end, venues) == (community.pk, 0, None, None, None, None)


def test_community_version_changes_with_what_its_pages_show():
    community = CommunityFactory()
    event = make_event(1, community=community)
    later = NOW + DAY

    versions = [selectors.community_version(slug=community.slug, now=NOW)]
    Event.objects.filter(pk=event.pk).update(updated_at=later)
    versions.append(selectors.community_version(slug=community.slug, now=NOW))
    type(community).objects.filter(pk=community.pk).update(updated_at=later)
    versions.append(selectors.community_version(slug=community.slug, now=NOW))
    type(event.venue).objects.filter(pk=event.venue_id).update(updated_at=later)
    versions.append(selectors.community_version(slug=community.slug, now=NOW))
    Event.objects.filter(pk=event.pk).update(seats_taken=2)
    versions.append(selectors.community_version(slug=community.slug, now=NOW))
    make_event(5, community=community)
    versions.append(selectors.community_version(slug=community.slug, now=NOW))
    versions.append(selectors.community_version(slug=community.slug, now=NOW + 2 * DAY))  # the first one is over

    assert len(set(versions)) == len(versions)


def test_home_version_without_listed_events_is_empty():
    make_event(1, status=Event.Status.DRAFT)

    assert selectors.home_version() == ()


def test_community_upcoming_and_past_events_are_public_ones_in_order():
    community = CommunityFactory()
    later = make_event(9, community=community)
    soon = make_event(1, community=community)
    recent = make_event(-1, community=community, status=Event.Status.CANCELLED)
    old = make_event(-20, community=community)
    make_event(-5, community=community, status=Event.Status.DRAFT)
    make_event(2, community=community, visibility=Event.Visibility.UNLISTED)
    make_event(3)

    assert selectors.community_upcoming_events(community=community, now=NOW) == [soon, later]
    assert selectors.community_past_events(community=community, now=NOW) == [recent, old]
    assert selectors.community_past_events(community=community, now=NOW, limit=1) == [recent]


def test_community_past_events_show_at_most_six_by_default():
    community = CommunityFactory()
    events = [make_event(-d, community=community) for d in range(1, 9)]

    assert selectors.community_past_events(community=community, now=NOW) == events[:6]


def test_community_feed_events_are_every_public_event_past_and_future(django_assert_num_queries):
    community = CommunityFactory()
    future = make_event(5, community=community)
    cancelled = make_event(2, community=community, status=Event.Status.CANCELLED)
    past = make_event(-5, community=community)
    make_event(1, community=community, status=Event.Status.DRAFT)
    make_event(1, community=community, visibility=Event.Visibility.UNLISTED)
    make_event(1)

    with django_assert_num_queries(1):
        events = selectors.community_feed_events(community=community)
        venues = [(e.community.slug, e.venue.name) for e in events]

    assert events == [past, cancelled, future]
    assert venues == [(community.slug, "La Cantine")] * 3


def test_event_for_page_finds_any_status_with_community_and_venue(django_assert_num_queries):
    event = make_event(1, status=Event.Status.DRAFT)

    with django_assert_num_queries(1):
        found = selectors.event_for_page(community_slug=event.community.slug, event_slug=event.slug)
        names = (found.community.name, found.venue.name)

    assert found == event
    assert names == (event.community.name, "La Cantine")


def test_event_for_page_online_event_has_no_venue():
    event = make_event(1, venue=None, online_url="https://meet.example/x")

    found = selectors.event_for_page(community_slug=event.community.slug, event_slug=event.slug)

    assert (found, found.venue) == (event, None)


def test_event_for_page_wrong_community_or_slug_is_none():
    event = make_event(1)
    other = CommunityFactory()

    assert selectors.event_for_page(community_slug=other.slug, event_slug=event.slug) is None
    assert selectors.event_for_page(community_slug=event.community.slug, event_slug="nope") is None


def test_event_page_version_reads_what_the_page_shows_in_one_query(django_assert_num_queries):
    event = make_event(1, status=Event.Status.CANCELLED, seats_taken=6)
    selectors.event_page_version(community_slug=event.community.slug, event_slug=event.slug)  # compiles the SQL

    with django_assert_num_queries(1):
        version = selectors.event_page_version(community_slug=event.community.slug, event_slug=event.slug)

    assert (version.pk, version.status, version.visibility, version.seats_taken) == (event.pk, "cancelled", "public", 6)
    assert None not in (version.updated_at, version.community_updated_at, version.venue_updated_at)


def test_event_page_version_unknown_address_is_none():
    event = make_event(1)

    assert selectors.event_page_version(community_slug=event.community.slug, event_slug="nope") is None
    assert selectors.event_page_version(community_slug="nope", event_slug=event.slug) is None


def test_event_page_version_without_venue():
    event = make_event(1, venue=None, online_url="https://meet.example/x")

    version = selectors.event_page_version(community_slug=event.community.slug, event_slug=event.slug)

    assert (version.pk, version.venue_updated_at) == (event.pk, None)


def test_event_page_version_changes_with_every_row_the_page_shows():
    event = make_event(1)

    def version():
        return selectors.event_page_version(community_slug=event.community.slug, event_slug=event.slug)

    versions = [version()]
    later = NOW + DAY
    Event.objects.filter(pk=event.pk).update(updated_at=later)
    versions.append(version())
    Event.objects.filter(pk=event.pk).update(seats_taken=1)
    versions.append(version())
    type(event.community).objects.filter(pk=event.community_id).update(updated_at=later)
    versions.append(version())
    type(event.venue).objects.filter(pk=event.venue_id).update(updated_at=later)
    versions.append(version())
    Event.objects.filter(pk=event.pk).update(status=Event.Status.DRAFT)
    versions.append(version())

    assert len(set(versions)) == len(versions)
    assert versions[-1].status == "draft"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({}, "open"),
        ({"status": Event.Status.CANCELLED}, "cancelled"),
        ({"days": -3}, "ended"),
        ({"capacity": 10, "seats_taken": 10}, "sold_out"),
        ({"registration_opens_at": NOW + DAY}, "not_yet"),
        ({"registration_closes_at": NOW - DAY}, "closed"),
    ],
)
def test_registration_state_says_where_registration_stands(changes, code):
    changes = dict(changes)
    event = make_event(changes.pop("days", 5), **changes)

    state = selectors.registration_state(event=event, now=NOW)

    assert state.code == code
    assert state.opens_at == (NOW + DAY if code == "not_yet" else None)


@pytest.mark.parametrize(
    ("changes", "availability"),
    [
        ({"quantity": 50}, "on_sale"),
        ({"quantity": 10}, "on_sale"),
        ({"quantity": 10, "quantity_sold": 2}, "few_left"),
        ({"quantity": 10, "quantity_sold": 10}, "sold_out"),
        ({"sales_start": NOW + DAY}, "not_yet"),
        ({"sales_end": NOW - DAY}, "ended"),
    ],
)
def test_ticket_availability_per_ticket_type(changes, availability):
    event = make_event(5)
    ticket_type = TicketTypeFactory(event=event, **changes)

    assert selectors.ticket_availability(event=event, ticket_type=ticket_type, now=NOW) == availability


def test_ticket_availability_is_sold_out_when_the_event_is_full():
    event = make_event(5, capacity=20, seats_taken=20)
    ticket_type = TicketTypeFactory(event=event, quantity=50, quantity_sold=20)

    assert selectors.ticket_availability(event=event, ticket_type=ticket_type, now=NOW) == "sold_out"


def test_ticket_types_for_page_are_in_position_order_with_availability():
    event = make_event(5)
    second = TicketTypeFactory(event=event, name="Second", position=2)
    first = TicketTypeFactory(event=event, name="First", position=1, quantity=5, quantity_sold=5)
    TicketTypeFactory(name="Other event")

    ticket_types = selectors.ticket_types_for_page(event=event, now=NOW)

    assert [(t, t.availability) for t in ticket_types] == [(first, "sold_out"), (second, "on_sale")]


def test_next_page_change_is_the_next_moment_the_page_changes_by_itself():
    event = make_event(10, registration_opens_at=NOW + 3 * DAY, registration_closes_at=NOW + 9 * DAY)
    ticket_types = [
        TicketTypeFactory(event=event, sales_start=NOW - DAY, sales_end=NOW + 4 * DAY),
        TicketTypeFactory(event=event, sales_start=NOW + 2 * DAY),
    ]

    def next_change(at, tickets=ticket_types):
        return selectors.next_page_change(event=event, ticket_types=tickets, now=at)

    assert next_change(NOW) == NOW + 2 * DAY
    assert next_change(NOW + 2 * DAY) == NOW + 3 * DAY
    assert next_change(NOW + 3 * DAY, tickets=[]) == NOW + 9 * DAY
    assert next_change(NOW + 9 * DAY) == event.start
    assert next_change(event.start) == event.end
    assert next_change(event.end) is None


def test_sitemap_selectors_list_communities_and_listed_events():
    community = CommunityFactory(name="B")
    empty = CommunityFactory(name="A")
    public = make_event(1, community=community)
    past = make_event(-1, community=community, status=Event.Status.CANCELLED)
    make_event(2, community=community, status=Event.Status.DRAFT)
    make_event(2, community=community, visibility=Event.Visibility.UNLISTED)

    assert list(selectors.sitemap_communities()) == [empty, community]
    assert list(selectors.sitemap_events()) == [public, past]
