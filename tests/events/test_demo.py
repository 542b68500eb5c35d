"""The demo data command: believable content, printed logins, and nothing duplicated on a second run."""

import datetime as dt
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.utils import timezone

from events.demo import ORGANISER_EMAIL, ORGANISER_PASSWORD, VOLUNTEER_EMAIL, VOLUNTEER_PASSWORD, load_demo
from events.models import Community, Event, Membership, Series, TicketType, Venue

pytestmark = pytest.mark.django_db


def _counts():
    return {
        "users": get_user_model().objects.count(),
        "emails": EmailAddress.objects.filter(verified=True, primary=True).count(),
        "communities": Community.objects.count(),
        "memberships": Membership.objects.count(),
        "venues": Venue.objects.count(),
        "series": Series.objects.count(),
        "events": Event.objects.count(),
        "ticket_types": TicketType.objects.count(),
    }


EXPECTED_COUNTS = {
    "users": 2,
    "emails": 2,
    "communities": 2,
    "memberships": 4,
    "venues": 5,
    "series": 1,
    "events": 14,
    "ticket_types": 16,
}


def _run(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_load_demo_when_run_twice_creates_everything_once(settings):
    first = _run("--url", "http://127.0.0.1:8200")
    after_first = _counts()
    snapshot = list(Event.objects.order_by("pk").values())
    second = _run("--url", "http://127.0.0.1:8200")

    assert after_first == EXPECTED_COUNTS
    assert _counts() == EXPECTED_COUNTS
    assert list(Event.objects.order_by("pk").values()) == snapshot
    assert "(46 rows created, 0 updated, 0 unchanged)" in first
    assert "(0 rows created, 0 updated, 46 unchanged)" in second


def test_load_demo_prints_the_logins_and_the_url():
    output = _run("--url", "http://127.0.0.1:8200/")

    assert "Open http://127.0.0.1:8200/ and log in (http://127.0.0.1:8200/accounts/login/) with:" in output
    assert f"organiser  {ORGANISER_EMAIL}  password: {ORGANISER_PASSWORD}" in output
    assert f"volunteer  {VOLUNTEER_EMAIL}  password: {VOLUNTEER_PASSWORD}" in output
    assert "Open Source Builders London: http://127.0.0.1:8200/" in output
    assert "Les Apéros Data de Lyon: http://127.0.0.1:8200/" in output


def test_load_demo_logins_work_with_the_printed_passwords():
    _run()

    organiser = authenticate(username=ORGANISER_EMAIL, password=ORGANISER_PASSWORD)
    volunteer = authenticate(username=VOLUNTEER_EMAIL, password=VOLUNTEER_PASSWORD)

    assert organiser.email == ORGANISER_EMAIL
    assert volunteer.email == VOLUNTEER_EMAIL
    assert sorted(organiser.memberships.values_list("community__slug", "role")) == [
        ("aperos-data-lyon", "organiser"),
        ("os-builders-london", "organiser"),
    ]
    assert sorted(volunteer.memberships.values_list("community__slug", "role")) == [
        ("aperos-data-lyon", "volunteer"),
        ("os-builders-london", "volunteer"),
    ]
    assert list(EmailAddress.objects.filter(user=organiser).values_list("email", "verified", "primary")) == [
        (ORGANISER_EMAIL, True, True)
    ]


def test_load_demo_covers_every_kind_of_event():
    _run()
    london = Community.objects.get(slug="os-builders-london")
    lyon = Community.objects.get(slug="aperos-data-lyon")
    now = timezone.now()

    assert (london.language, london.time_zone, lyon.language, lyon.time_zone) == (
        "en",
        "Europe/London",
        "fr",
        "Europe/Paris",
    )
    assert list(Series.objects.get().events.order_by("start").values_list("slug", "status")) == [
        ("build-night-39", "published"),
        ("build-night-40", "published"),
        ("build-night-41", "published"),
        ("build-night-42", "cancelled"),
        ("build-night-43", "published"),
    ]
    assert list(Event.objects.filter(status="draft").values_list("slug", flat=True)) == ["community-party"]
    assert list(Event.objects.filter(visibility="unlisted").values_list("slug", flat=True)) == [
        "maintainers-day-speakers-dinner"
    ]
    assert list(Event.objects.filter(venue=None).values_list("slug", "online_url")) == [
        ("office-hours-first-contribution", "https://meet.jit.si/os-builders-office-hours")
    ]
    assert list(Event.objects.filter(capacity=None).values_list("slug", flat=True)) == ["pub-social"]
    assert Event.objects.listed().upcoming(now).count() == 8
    assert Event.objects.listed().past(now).count() == 4
    assert sorted(TicketType.objects.filter(event__slug="maintainers-day").values_list("name", "price")) == [
        ("Early bird", 25),
        ("Standard", 40),
        ("Student", 0),
    ]
    assert all(v.map_url.startswith("https://www.openstreetmap.org/search?query=") for v in Venue.objects.all())


def test_load_demo_on_a_later_day_moves_the_dates_without_duplicates():
    today = timezone.localdate()
    load_demo(today=today)
    before = Event.objects.get(slug="office-hours-first-contribution")

    result = load_demo(today=today + dt.timedelta(days=7))
    after = Event.objects.get(slug="office-hours-first-contribution")

    assert _counts() == EXPECTED_COUNTS
    assert after.pk == before.pk
    assert after.uid == before.uid
    assert after.start == before.start + dt.timedelta(days=7)
    assert after.sequence == before.sequence + 1
    assert result.created == 0
