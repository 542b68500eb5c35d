"""Tests for events.calendar: .ics files read back with icalendar, feeds and Google Calendar links."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.test import override_settings

from events.calendar import community_ics, event_ics, event_uid, feed_urls, google_calendar_url
from events.models import Event
from tests.factories import CommunityFactory, EventFactory, VenueFactory

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_site_url")]


@pytest.fixture
def _site_url(settings):
    settings.SITE_URL = "https://rdv.example"
    settings.DEFAULT_FROM_EMAIL = "Rendezvous <noreply@rdv.example>"


def paris_event(**kwargs):
    community = kwargs.pop("community", None) or CommunityFactory(name="Paris Py", slug="paris-py")
    defaults = {
        "community": community,
        "title": "Summer meetup",
        "slug": "summer-meetup",
        "summary": "Talks and drinks",
        "description": "Two **talks**.\n\n- one\n- two",
        "time_zone": "Europe/Paris",
        "start": dt.datetime(2030, 7, 5, 19, 0, tzinfo=PARIS),
        "end": dt.datetime(2030, 7, 5, 22, 30, tzinfo=PARIS),
        "venue": VenueFactory(community=community, name="La Cantine", address="12 rue de la Paix", city="Paris"),
        "updated_at": dt.datetime(2030, 6, 1, 8, 0, tzinfo=dt.UTC),
        "created_at": dt.datetime(2030, 5, 1, 8, 0, tzinfo=dt.UTC),
    }
    defaults.update(kwargs)
    return EventFactory(**defaults)


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_event_ics_holds_every_field_of_the_event():
    event = paris_event()

    calendar = parse(event_ics(event=event))
    [vevent] = calendar.walk("VEVENT")

    assert str(calendar["PRODID"]) == "-//Rendezvous//Rendezvous events//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(vevent["UID"]) == f"{event.uid}@rendezvous"
    assert vevent.decoded("SEQUENCE") == 0
    assert vevent.decoded("DTSTAMP") == dt.datetime(2030, 6, 1, 8, 0, tzinfo=dt.UTC)
    assert vevent.decoded("DTSTART") == dt.datetime(2030, 7, 5, 17, 0, tzinfo=dt.UTC)
    assert vevent.decoded("DTEND") == dt.datetime(2030, 7, 5, 20, 30, tzinfo=dt.UTC)
    assert str(vevent["SUMMARY"]) == "Summer meetup"
    assert str(vevent["DESCRIPTION"]) == (
        "Talks and drinks\n\nTwo talks.\none\ntwo\n\nhttps://rdv.example/c/paris-py/summer-meetup/"
    )
    assert str(vevent["LOCATION"]) == "La Cantine, 12 rue de la Paix, Paris, France"
    assert str(vevent["URL"]) == "https://rdv.example/c/paris-py/summer-meetup/"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["ORGANIZER"]) == "mailto:noreply@rdv.example"
    assert vevent["ORGANIZER"].params["CN"] == "Paris Py"


def test_event_ics_dates_carry_the_event_time_zone_and_its_vtimezone():
    event = paris_event()

    calendar = parse(event_ics(event=event))
    [vevent] = calendar.walk("VEVENT")

    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
    assert vevent["DTEND"].params["TZID"] == "Europe/Paris"
    assert vevent["DTSTART"].to_ical() == b"20300705T190000"
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
    assert calendar.get_missing_tzids() == set()


def test_event_ics_in_new_york_keeps_new_york_wall_time():
    community = CommunityFactory(slug="nyc", time_zone="America/New_York")
    event = paris_event(
        community=community,
        time_zone="America/New_York",
        start=dt.datetime(2030, 1, 15, 18, 30, tzinfo=NEW_YORK),
        end=dt.datetime(2030, 1, 15, 21, 0, tzinfo=NEW_YORK),
        venue=None,
        online_url="https://meet.example/nyc",
    )

    calendar = parse(event_ics(event=event))
    [vevent] = calendar.walk("VEVENT")

    assert vevent["DTSTART"].params["TZID"] == "America/New_York"
    assert vevent["DTSTART"].to_ical() == b"20300115T183000"
    assert vevent.decoded("DTSTART") == dt.datetime(2030, 1, 15, 23, 30, tzinfo=dt.UTC)
    assert vevent.decoded("DTEND") == dt.datetime(2030, 1, 16, 2, 0, tzinfo=dt.UTC)
    assert str(vevent["LOCATION"]) == "https://meet.example/nyc"
    assert [tz.tz_name for tz in calendar.timezones] == ["America/New_York"]
    [standard] = [c for c in calendar.timezones[0].walk("STANDARD") if c.decoded("DTSTART").year == 2030][:1]
    assert standard.decoded("TZOFFSETTO") == dt.timedelta(hours=-5)


def test_event_ics_uid_is_stable_and_sequence_follows_the_field():
    event = paris_event()
    first = parse(event_ics(event=event)).walk("VEVENT")[0]

    event.sequence = 3
    event.title = "Summer meetup (new room)"
    second = parse(event_ics(event=event)).walk("VEVENT")[0]

    assert str(first["UID"]) == str(second["UID"]) == event_uid(event) == f"{event.uid}@rendezvous"
    assert (first.decoded("SEQUENCE"), second.decoded("SEQUENCE")) == (0, 3)
    assert event_ics(event=event) == event_ics(event=event)


def test_event_ics_marks_a_cancelled_event():
    event = paris_event(status=Event.Status.CANCELLED, online_url="https://meet.example/x")

    [vevent] = parse(event_ics(event=event)).walk("VEVENT")

    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["SUMMARY"]) == "Cancelled: Summer meetup"
    assert str(vevent["DESCRIPTION"]) == (
        "This event is cancelled.\n\nTalks and drinks\n\nTwo talks.\none\ntwo\n\n"
        "Online: https://meet.example/x\n\nhttps://rdv.example/c/paris-py/summer-meetup/"
    )


def test_community_ics_lists_public_events_and_marks_cancelled_ones():
    community = CommunityFactory(name="Paris Py", slug="paris-py", tagline="Python in Paris")
    start = dt.datetime(2030, 9, 1, 19, tzinfo=PARIS)
    later = paris_event(
        community=community, slug="later", title="Later", start=start, end=start + dt.timedelta(hours=2)
    )
    first = paris_event(community=community, slug="first", title="First", status=Event.Status.CANCELLED)

    calendar = parse(community_ics(community=community, events=[first, later]))

    assert str(calendar["X-WR-CALNAME"]) == "Paris Py"
    assert str(calendar["NAME"]) == "Paris Py"
    assert str(calendar["X-WR-CALDESC"]) == "Python in Paris"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert calendar.decoded("REFRESH-INTERVAL") == dt.timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    assert [(str(v["SUMMARY"]), str(v["STATUS"])) for v in calendar.walk("VEVENT")] == [
        ("Cancelled: First", "CANCELLED"),
        ("Later", "CONFIRMED"),
    ]
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]


def test_community_ics_without_events_is_a_valid_empty_calendar():
    community = CommunityFactory(name="Quiet", slug="quiet")

    calendar = parse(community_ics(community=community, events=[]))

    assert calendar.walk("VEVENT") == []
    assert calendar.timezones == []
    assert str(calendar["X-WR-CALNAME"]) == "Quiet"


def test_google_calendar_url_has_utc_dates_and_the_event_details():
    event = paris_event()

    assert google_calendar_url(event=event) == (
        "https://calendar.google.com/calendar/render?action=TEMPLATE&text=Summer%20meetup"
        "&dates=20300705T170000Z%2F20300705T203000Z"
        "&details=Talks%20and%20drinks%0A%0ATwo%20talks.%0Aone%0Atwo%0A%0A"
        "https%3A%2F%2Frdv.example%2Fc%2Fparis-py%2Fsummer-meetup%2F"
        "&location=La%20Cantine%2C%2012%20rue%20de%20la%20Paix%2C%20Paris%2C%20France&ctz=Europe%2FParis"
    )


@override_settings(SITE_URL="https://rdv.example")
def test_feed_urls_offer_https_webcal_and_google():
    community = CommunityFactory(slug="paris-py")

    assert feed_urls(community=community) == {
        "https": "https://rdv.example/c/paris-py/calendar.ics",
        "webcal": "webcal://rdv.example/c/paris-py/calendar.ics",
        "google": "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Frdv.example%2Fc%2Fparis-py%2Fcalendar.ics",
    }
