"""The attendee list in a real browser: filter to "not checked in", tick them all, tag them, export the CSV."""

import csv
import datetime as dt
import io
import re
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from attendees.models import Answer, Fan, Order, Question, Ticket, WaitingListEntry
from attendees.services import place_order
from checkin.models import CheckIn, Door
from tests.browser.helpers import log_in_as_organiser
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, TicketTypeFactory, UserFactory

PASSWORD = "correct-horse-battery"
LAPTOP = {"width": 1366, "height": 900}
PEOPLE = [
    ("Ada Lovelace", "ada@acme.com", "Standard", True),
    ("Grace Hopper", "grace@navy.mil", "Standard", True),
    ("Émilie du Châtelet", "emilie@physique.fr", "Speaker", True),
    ("Alan Turing", "alan@bletchley.uk", "Standard", False),
    ("Katherine Johnson", "katherine@nasa.gov", "Standard", False),
    ("Hedy Lamarr", "hedy@acme.com", "Speaker", False),
    ("Linus Torvalds", "linus@kernel.org", "Standard", False),
]


def _event():
    community = CommunityFactory(name="Lyon Rustaceans", slug="lyon-rust")
    organiser = MembershipFactory(community=community, user=UserFactory(email="camille@example.com")).user
    start = (timezone.now() - dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    event = EventFactory(community=community, title="Rust & Pizza Night", slug="rust-pizza", capacity=20, start=start,
                         end=start + dt.timedelta(hours=3))  # fmt: skip
    types = {
        "Standard": TicketTypeFactory(event=event, name="Standard", quantity=15, position=0),
        "Speaker": TicketTypeFactory(event=event, name="Speaker", quantity=5, position=1),
    }
    size = Question.objects.create(event=event, label="T-shirt size", kind=Question.Kind.SINGLE_CHOICE,
                                   choices="S\nM\nL", per_ticket=True)  # fmt: skip
    door = Door.objects.create(event=event, name="Main door")
    for number, (name, email, kind, came) in enumerate(PEOPLE):
        order = place_order(event=event, quantities={types[kind].pk: 1}, holders=[(name, email)], buyer_name=name,
                            buyer_email=email, marketing_consent=number % 2 == 0)  # fmt: skip
        ticket = order.tickets.get()
        Answer.objects.create(order=order, ticket=ticket, question=size, value="SML"[number % 3])
        if came:
            at = start + dt.timedelta(minutes=5 * number)
            CheckIn.objects.create(event=event, door=door, ticket=ticket, successful=True, scanned_at=at,
                                   device="phone", nonce=f"n{number}")  # fmt: skip
            Ticket.objects.filter(pk=ticket.pk).update(checked_in_at=at)
    Order.objects.filter(buyer_email="linus@kernel.org").update(status=Order.Status.PENDING_APPROVAL)
    WaitingListEntry.objects.create(event=event, name="Sam Durand", email="sam@example.com")
    return organiser, event


def _names(page) -> list[str]:
    return page.locator("td.al-who strong").all_inner_texts()


def test_organiser_tags_everyone_not_checked_in_and_exports_them(screens):
    organiser, event = _event()
    screen = screens("desktop")
    page = screen.page
    page.set_viewport_size(LAPTOP)
    log_in_as_organiser(page, organiser.email, PASSWORD)

    page.goto(f"/manage/lyon-rust/events/{event.slug}/")
    page.get_by_role("link", name="Attendee list", exact=True).click()
    page.wait_for_url(re.compile(r"/attendees/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendees")
    expect(page.locator(".al-counts .mg-stat").nth(1)).to_have_text(re.compile(r"^\s*Checked in\s*3\s*$"))
    assert len(_names(page)) == 8
    screen.shot("list")
    screen.assert_accessible("list")

    # Filter in place: the page is not reloaded, the address follows.
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Check-in").select_option(label="Not checked in")
    page.wait_for_url(re.compile(r"\?checked_in=no$"))
    expect(page.locator("td.al-who strong")).to_have_count(4)
    assert _names(page) == ["Alan Turing", "Hedy Lamarr", "Katherine Johnson", "Linus Torvalds"]
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator(".al-ignored")).to_have_count(0)
    page.get_by_role("searchbox").fill("acme")
    expect(page.locator("td.al-who strong")).to_have_count(1)
    page.wait_for_url(re.compile(r"\?q=acme&checked_in=no$"))
    page.get_by_role("searchbox").fill("")
    expect(page.locator("td.al-who strong")).to_have_count(4)
    screen.shot("filtered")

    # Tick them all, tag them, after the confirmation.
    page.get_by_label("Tick every row of this page").check()
    expect(page.get_by_text("4 rows ticked")).to_be_visible()
    page.get_by_label("Action").select_option(label="Add a tag")
    page.get_by_placeholder("Tag name").fill("follow up")
    screen.shot("ticked")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a tag: 4 to change")
    expect(page.get_by_text("The tag “follow up” will be put on 4 people")).to_be_visible()
    screen.shot("confirm")
    screen.assert_accessible("confirm")
    page.get_by_role("button", name="Add a tag (4)").click()
    expect(page.get_by_text("Tag “follow up” put on 4 people.")).to_be_visible()
    page.wait_for_url(re.compile(r"\?checked_in=no$"))
    expect(page.locator(".al-tag", has_text="follow up")).to_have_count(4)
    screen.shot("tagged")
    assert sorted(Fan.objects.filter(tags__name="follow up").values_list("email", flat=True)) == [
        "alan@bletchley.uk",
        "hedy@acme.com",
        "katherine@nasa.gov",
        "linus@kernel.org",
    ]

    # The CSV of the filtered list.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    body = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert download.value.suggested_filename == "rust-pizza-attendees.csv"
    assert [row[0] for row in rows[1:]] == ["Alan Turing", "Hedy Lamarr", "Katherine Johnson", "Linus Torvalds"]
    assert {row[8] for row in rows[1:]} == {"follow up"}

    # The door list to print.
    page.get_by_role("link", name="Printable door list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rust & Pizza Night")
    screen.shot("door-list")
    page.emulate_media(media="print")
    screen.shot("door-list-print")

    # And the community's dashboard, where this event's figures stand among the others.
    page.emulate_media(media="screen")
    page.goto("/manage/lyon-rust/")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("link", name="Rust & Pizza Night").first).to_be_visible()
    expect(page.get_by_text("3 of 6 confirmed")).to_be_visible()
    screen.shot("dashboard")


def test_attendee_list_on_a_phone(screens):
    organiser, event = _event()
    screen = screens("phone")
    page = screen.page
    log_in_as_organiser(page, organiser.email, PASSWORD)

    page.goto(f"/manage/lyon-rust/events/{event.slug}/attendees/?status=confirmed")
    expect(page.locator("td.al-who strong")).to_have_count(6)
    page.get_by_role("searchbox").fill("grace")
    expect(page.locator("td.al-who strong")).to_have_count(1)
    expect(page.locator("#al-announce")).to_have_text("1 row")
    screen.shot("list")
    screen.assert_accessible("list")
