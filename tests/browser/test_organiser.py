"""An organiser, from nothing: signs up, confirms the e-mail by code, creates a community and publishes an event."""

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event, Membership
from tests.browser.helpers import last_code_sent_to

EMAIL = "camille@example.com"
PASSWORD = "meetups-every-month-42"


def test_organiser_signs_up_creates_a_community_and_publishes_an_event(screens):
    screen = screens("desktop")
    page = screen.page

    # Sign up, then the code from the e-mail.
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    screen.shot("signup")
    screen.assert_accessible("signup")
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your e-mail address")
    expect(page.get_by_role("main").get_by_text(EMAIL, exact=True)).to_be_visible()
    screen.shot("code")
    screen.assert_accessible("code")
    page.get_by_label("Code").fill(last_code_sent_to(EMAIL))
    page.get_by_role("button", name="Confirm").click()

    # Lands on the organiser home, with nothing yet.
    page.wait_for_url(re.compile(r"/manage/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My communities")
    screen.shot("manage-home")
    screen.assert_accessible("manage-home")
    page.get_by_role("link", name="Create a community").click()

    # A community.
    page.wait_for_url(re.compile(r"/manage/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a community")
    screen.shot("community-create")
    screen.assert_accessible("community-create")
    page.get_by_label("Name", exact=True).fill("Lyon Rustaceans")
    page.get_by_label("Short description").fill("Rust meetups in Lyon, every month")
    expect(page.get_by_label("Default time zone")).to_have_value("Europe/Paris")
    page.get_by_role("button", name="Create the community").click()
    page.wait_for_url(re.compile(r"/manage/lyon-rustaceans/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Events")
    screen.shot("community")
    screen.assert_accessible("community")

    # A draft event, with a venue added on the way.
    page.get_by_role("main").get_by_role("link", name="New event").first.click()
    page.wait_for_url(re.compile(r"/manage/lyon-rustaceans/events/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New event")
    screen.shot("event-create")
    screen.assert_accessible("event-create")
    page.get_by_role("link", name="Add a venue").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screen.shot("venue-create")
    screen.assert_accessible("venue-create")
    page.get_by_label("Name", exact=True).fill("La Cordée")
    page.get_by_label("City").fill("Lyon")
    page.get_by_role("button", name="Add the venue").click()
    page.wait_for_url(re.compile(r"/manage/lyon-rustaceans/events/new/$"))

    start = timezone.localdate() + dt.timedelta(days=14)
    page.get_by_label("Title", exact=True).fill("Rust & Pizza Night")
    page.get_by_label("Summary").fill("Lightning talks, then pizza")
    page.get_by_label("Starts at").fill(f"{start.isoformat()}T19:00")
    page.get_by_label("Ends at").fill(f"{start.isoformat()}T22:00")
    page.get_by_label("Venue").select_option(label="La Cordée")
    page.get_by_label("Capacity").fill("40")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(re.compile(r"/manage/lyon-rustaceans/events/rust-pizza-night/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rust & Pizza Night")
    expect(page.get_by_text("This event is a draft.")).to_be_visible()
    screen.shot("event-draft")
    screen.assert_accessible("event-draft")

    # A ticket type.
    page.get_by_role("link", name="Add a ticket type").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a ticket type")
    screen.shot("ticket-type-create")
    screen.assert_accessible("ticket-type-create")
    page.get_by_label("Name", exact=True).fill("Standard")
    page.get_by_label("Price").fill("0")
    page.get_by_label("Quantity").fill("40")
    page.get_by_role("button", name="Add the ticket type").click()
    page.wait_for_url(re.compile(r"/manage/lyon-rustaceans/events/rust-pizza-night/$"))
    expect(page.get_by_role("row", name=re.compile("Standard"))).to_be_visible()

    # Before publishing, the public knows nothing of it.
    event = Event.objects.get(slug="rust-pizza-night")
    assert event.status == Event.Status.DRAFT
    public = screens("phone")
    assert public.page.request.get("/c/lyon-rustaceans/rust-pizza-night/").status == 404
    assert "Rust &amp; Pizza Night" not in public.page.request.get("/").text()

    # Publish.
    page.get_by_role("button", name="Publish").first.click()
    expect(page.get_by_text("“Rust & Pizza Night” is published.")).to_be_visible()
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    screen.shot("event-published")

    event.refresh_from_db()
    user = get_user_model().objects.get(email=EMAIL)
    assert (event.status, event.community.slug) == (Event.Status.PUBLISHED, "lyon-rustaceans")
    assert list(Membership.objects.filter(user=user).values_list("community__slug", "role")) == [
        ("lyon-rustaceans", Membership.Role.ORGANISER)
    ]
    local_start = event.local_start
    assert (local_start.date(), local_start.hour, str(event.tz)) == (start, 19, "Europe/Paris")
    assert list(event.ticket_types.values_list("name", "price", "quantity")) == [("Standard", 0, 40)]

    # A fan on a phone now finds it on the home page.
    fan = public.page
    fan.goto("/")
    card = fan.get_by_role("article").filter(has=fan.get_by_role("heading", name="Rust & Pizza Night"))
    expect(card).to_contain_text("Lyon Rustaceans")
    expect(card).to_contain_text("40 places left")
    public.shot("home-after-publish")
    card.get_by_role("link", name="Rust & Pizza Night").click()
    fan.wait_for_url(re.compile(r"/c/lyon-rustaceans/rust-pizza-night/$"))
    expect(fan.get_by_role("heading", level=1)).to_have_text("Rust & Pizza Night")
    expect(fan.get_by_text("Free")).to_be_visible()
    public.shot("event-public")
    public.assert_accessible("event-public")

    # The same organiser on a phone (between two talks): the forms still fit the screen.
    public.page.context.add_cookies(page.context.cookies())
    for step, path in [("community-create", "/manage/new/"), ("event-create", "/manage/lyon-rustaceans/events/new/")]:
        fan.goto(path)
        expect(fan.get_by_role("heading", level=1)).to_be_visible()
        public.shot(step)
        public.assert_accessible(step)
        widths = fan.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{path} is {widths[0]}px wide on a {widths[1]}px screen"
