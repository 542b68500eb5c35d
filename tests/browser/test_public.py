"""A newcomer on a phone and on a laptop: find a meetup, open it, take it to their calendar, read it in French."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import CommunityFactory, EventFactory, TicketTypeFactory, VenueFactory

FRENCH_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def _meetups():
    """Two communities, three upcoming meetups: only one of them is about pizza."""
    start = (timezone.now() + dt.timedelta(days=10)).replace(hour=17, minute=0, second=0, microsecond=0)
    rust = CommunityFactory(name="Lyon Rustaceans", slug="lyon-rust", tagline="Rust meetups in Lyon, every month")
    venue = VenueFactory(community=rust, name="La Cordée", address="8 rue Gentil", city="Lyon", country="France")
    pizza = EventFactory(
        community=rust,
        venue=venue,
        title="Rust & Pizza Night",
        slug="rust-pizza-night",
        summary="Lightning talks, then pizza",
        start=start,
        end=start + dt.timedelta(hours=3),
    )
    TicketTypeFactory(event=pizza, name="Standard", price=Decimal("12.00"), currency="EUR", quantity=40)
    later = start + dt.timedelta(days=7)
    EventFactory(community=rust, venue=venue, title="Async Rust Deep Dive", slug="async", summary="Tokio", start=later)
    python = CommunityFactory(name="Paris Pythonistas", slug="paris-py")
    sooner = start + dt.timedelta(days=3)
    EventFactory(community=python, title="Python Beginners Workshop", slug="beginners", summary="Laptops", start=sooner)
    return pizza


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_newcomer_finds_an_event_downloads_it_and_reads_it_in_french(screens, device):
    event = _meetups()
    screen = screens(device)
    page = screen.page

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find your next meetup")
    expect(page.get_by_role("heading", level=3)).to_have_count(3)
    screen.shot("home")
    screen.assert_accessible("home")

    page.get_by_role("searchbox", name="Search").fill("pizza")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"[?&]q=pizza"))
    expect(page.get_by_role("heading", level=3)).to_have_text(["Rust & Pizza Night"])
    screen.shot("search")
    screen.assert_accessible("search")

    page.get_by_role("link", name="Rust & Pizza Night").click()
    page.wait_for_url(re.compile(r"/c/lyon-rust/rust-pizza-night/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rust & Pizza Night")
    expect(page.get_by_text("La Cordée", exact=True)).to_be_visible()
    expect(page.get_by_text("€12.00")).to_be_visible()
    screen.shot("event")
    screen.assert_accessible("event")
    _assert_no_horizontal_scroll(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Calendar file (.ics)").click()
    download = download_info.value
    assert download.suggested_filename == "rust-pizza-night.ics"
    calendar = icalendar.Calendar.from_ical(Path(download.path()).read_bytes())
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Rust & Pizza Night"
    assert str(vevent["UID"]) == f"{event.uid}@rendezvous"
    assert vevent.decoded("DTSTART") == event.start
    assert str(vevent.decoded("DTSTART").tzinfo) == "Europe/Paris"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]

    page.get_by_role("main").get_by_role("link", name="Lyon Rustaceans").first.click()
    page.wait_for_url(re.compile(r"/c/lyon-rust/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lyon Rustaceans")
    expect(page.get_by_role("heading", level=3)).to_have_text(["Rust & Pizza Night", "Async Rust Deep Dive"])
    screen.shot("community")
    screen.assert_accessible("community")
    _assert_no_horizontal_scroll(page)

    page.get_by_role("link", name="Rust & Pizza Night").click()
    page.wait_for_url(re.compile(r"/c/lyon-rust/rust-pizza-night/$"))
    with page.expect_navigation():
        page.get_by_role("contentinfo").get_by_role("link", name="Français").click()
    page.wait_for_url(re.compile(r"/c/lyon-rust/rust-pizza-night/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    local = event.local_start
    french_date = f"{FRENCH_DAYS[local.weekday()]} {local.day} {FRENCH_MONTHS[local.month - 1]} {local.year}"
    expect(page.get_by_text(french_date)).to_be_visible()
    expect(page.get_by_text("12,00\u00a0€")).to_be_visible()
    expect(page.get_by_role("contentinfo").get_by_role("link", name="Français")).to_have_attribute(
        "aria-current", "true"
    )
    screen.shot("event-fr")
    screen.assert_accessible("event-fr")


def _assert_no_horizontal_scroll(page) -> None:
    """Phone first: nothing may stick out sideways (the page is as wide as the screen)."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]}px wide on a {widths[1]}px screen"
