"""The organiser's registrations page in a real browser: approving a registration that waits for approval."""

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from attendees.models import Answer, Order, Question
from attendees.services import join_waiting_list, place_order
from attendees.services.approval import approve_order
from tests.browser.helpers import log_in_as_organiser
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, TicketTypeFactory, UserFactory

PASSWORD = "correct-horse-battery"


def _registrations():
    """An approval-required event, full: Ada waits for approval, Grace is confirmed, Sam is on the waiting list."""
    community = CommunityFactory(name="Lyon Rustaceans", slug="lyon-rust")
    organiser = MembershipFactory(community=community, user=UserFactory(email="camille@example.com")).user
    start = (timezone.now() + dt.timedelta(days=10)).replace(hour=17, minute=0, second=0, microsecond=0)
    event = EventFactory(
        community=community,
        title="Rust & Pizza Night",
        slug="rust-pizza",
        capacity=3,
        start=start,
        approval_required=True,
    )
    ticket_type = TicketTypeFactory(event=event, name="Standard", quantity=10)
    diet = Question.objects.create(event=event, label="Dietary needs", per_ticket=True)

    def register(name, email, quantity=1):
        holders = [(name, email)] + [(f"Guest {i} of {name}", f"guest{i}.{email}") for i in range(1, quantity)]
        return place_order(
            event=event, quantities={ticket_type.pk: quantity}, holders=holders, buyer_name=name, buyer_email=email
        )

    grace = register("Grace Hopper", "grace@example.com")
    approve_order(order=grace, by=organiser)
    ada = register("Ada Lovelace", "ada@example.com", quantity=2)
    Answer.objects.create(order=ada, ticket=ada.tickets.first(), question=diet, value="Vegetarian")
    join_waiting_list(event=event, name="Sam Durand", email="sam@example.com", quantity=2)
    return organiser, event, ada


def test_organiser_approves_a_pending_registration(screens):
    organiser, event, ada = _registrations()
    screen = screens("desktop")
    page = screen.page
    log_in_as_organiser(page, organiser.email, PASSWORD)

    # From the event's organiser page to its registrations.
    page.goto(f"/manage/lyon-rust/events/{event.slug}/")
    page.get_by_role("link", name="Registrations", exact=True).click()
    page.wait_for_url(re.compile(r"/registrations/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrations")
    row = page.locator(f"#order-{ada.pk}")
    expect(row).to_contain_text("Pending approval")
    expect(row).to_contain_text("Vegetarian")
    expect(page.get_by_role("status")).to_have_count(0)
    expect(page.get_by_text("1 registration waits for your approval.")).to_be_visible()
    screen.shot("list")
    screen.assert_accessible("list")

    # Approve, after the confirmation page.
    row.get_by_role("link", name="Approve Ada Lovelace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve the registration of Ada Lovelace?")
    screen.shot("confirm")
    screen.assert_accessible("confirm")
    page.get_by_role("button", name="Approve", exact=True).click()

    page.wait_for_url(re.compile(rf"/registrations/#order-{ada.pk}$"))
    expect(page.get_by_role("status")).to_have_text("The registration of Ada Lovelace is approved.")
    row = page.locator(f"#order-{ada.pk}")
    expect(row).to_contain_text("Confirmed")
    expect(row.get_by_role("link", name="Approve Ada Lovelace")).to_have_count(0)
    expect(page.get_by_text("1 registration waits for your approval.")).to_have_count(0)
    screen.shot("approved")
    screen.assert_accessible("approved")
    assert Order.objects.get(pk=ada.pk).status == Order.Status.CONFIRMED

    # The questions editor, one click away.
    page.get_by_role("link", name="Questions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions")
    expect(page.get_by_role("cell", name="Dietary needs Optional", exact=True)).to_be_visible()
    screen.shot("questions")
    screen.assert_accessible("questions")


def test_registrations_pages_on_a_phone(screens):
    """The same pages on a phone: readable without sideways scrolling, and accessible."""
    organiser, event, ada = _registrations()
    screen = screens("phone")
    page = screen.page
    log_in_as_organiser(page, organiser.email, PASSWORD)

    page.goto(f"/manage/lyon-rust/events/{event.slug}/registrations/")
    expect(page.locator(f"#order-{ada.pk}")).to_contain_text("Pending approval")
    _assert_no_horizontal_scroll(page)
    screen.shot("list")
    screen.assert_accessible("list")

    page.locator(f"#order-{ada.pk}").get_by_role("link", name="Decline Ada Lovelace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decline the registration of Ada Lovelace?")
    _assert_no_horizontal_scroll(page)
    screen.shot("decline")
    screen.assert_accessible("decline")

    page.goto(f"/manage/lyon-rust/events/{event.slug}/registrations/add/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a registration")
    _assert_no_horizontal_scroll(page)
    screen.shot("add")
    screen.assert_accessible("add")

    page.goto(f"/manage/lyon-rust/events/{event.slug}/questions/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a question")
    _assert_no_horizontal_scroll(page)
    screen.shot("question-form")
    screen.assert_accessible("question-form")

    page.goto(f"/manage/lyon-rust/events/{event.slug}/questions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions")
    _assert_no_horizontal_scroll(page)
    screen.shot("questions")
    screen.assert_accessible("questions")

    page.goto(f"/manage/lyon-rust/events/{event.slug}/edit/")
    expect(page.get_by_role("heading", name="Registration rules")).to_be_visible()
    _assert_no_horizontal_scroll(page)
    screen.shot("event-form")
    screen.assert_accessible("event-form")


def _assert_no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on {page.url}"
