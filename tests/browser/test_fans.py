"""The people pages in a real browser: an organiser finds the regulars, opens a fan's page, tags and flags them;
screenshots at laptop and phone size."""

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from attendees.models import Fan, Order, Ticket
from attendees.services import place_order
from attendees.services.fans import link_community, tag_fans
from tests.browser.helpers import log_in_as_organiser
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, TicketTypeFactory, UserFactory

PASSWORD = "correct-horse-battery"
PEOPLE = [
    ("Zoé Durand", "zoe@acme.com", 4),
    ("Ève Leroy", "eve@example.com", 3),
    ("Grace Hopper", "grace@example.com", 2),
    ("Bob Martin", "bob@example.com", 1),
    ("Nina Nouvelle", "nina@example.com", 0),
]


def _community():
    """Five past meetups: Zoé registered for all five and came to four, Ève registered for four and came to three...
    Nina registered for the first and did not come."""
    community = CommunityFactory(name="Lyon Rustaceans", slug="lyon-rust")
    organiser = MembershipFactory(community=community, user=UserFactory(email="camille@example.com")).user
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    events = []
    for n in range(5):
        start = now + dt.timedelta(days=3 + 7 * n)
        event = EventFactory(community=community, title=f"Rust & Pizza #{n + 1}", slug=f"rust-{n + 1}", start=start,
                             end=start + dt.timedelta(hours=3))  # fmt: skip
        TicketTypeFactory(event=event, name="Standard", quantity=50)
        events.append(event)
    for name, email, came in PEOPLE:
        for index, event in enumerate(events[: came + 1]):
            order = place_order(event=event, quantities={event.ticket_types.get().pk: 1}, holders=[(name, email)],
                                buyer_name=name, buyer_email=email, marketing_consent=index % 2 == 0)  # fmt: skip
            if index < came:
                Ticket.objects.filter(order=order).update(checked_in_at=event.start + dt.timedelta(minutes=12))
    # The meetups are over now: move them into the past (check-ins keep their place in time).
    shift = dt.timedelta(days=40)
    for event in events:
        type(event).objects.filter(pk=event.pk).update(start=event.start - shift, end=event.end - shift)
        Ticket.objects.filter(order__event=event, checked_in_at__isnull=False).update(
            checked_in_at=event.start - shift + dt.timedelta(minutes=12)
        )
        Order.objects.filter(event=event).update(created_at=event.start - shift - dt.timedelta(days=6))
    link_community(community_id=community.pk)
    zoe = Fan.objects.get(email="zoe@acme.com")
    tag_fans(community=community, fan_ids=[zoe.pk], tag_name="speaker", by=organiser)
    return community, organiser


def _names(page):
    return [n.strip() for n in page.locator(".fn-person__name").all_inner_texts()]


def test_organiser_finds_the_regulars_and_flags_a_fan(screens):
    community, organiser = _community()
    screen = screens("desktop")
    page = screen.page
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in_as_organiser(page, organiser.email, PASSWORD)

    page.goto(f"/manage/{community.slug}/")
    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("People")
    expect(page.locator(".fn-person__name")).to_have_count(5)
    screen.assert_accessible("people")
    screen.shot("people")

    page.get_by_role("link", name="The regulars first").click()
    assert _names(page) == ["Zoé Durand", "Ève Leroy", "Grace Hopper", "Bob Martin", "Nina Nouvelle"]
    page.get_by_label("Search").fill("zoe")
    page.get_by_role("button", name="Show", exact=True).click()
    assert _names(page) == ["Zoé Durand"]
    assert "q=zoe" in page.url

    page.get_by_role("link", name="Zoé Durand").click()
    expect(page.locator(".fn-moment")).to_have_count(10)  # five registrations, four check-ins, one no-show
    expect(page.locator(".fn-moment--no_show")).to_have_count(1)
    page.get_by_label("Why").fill("Shouted at a volunteer at the door.")
    page.get_by_role("button", name="Flag this person").click()
    expect(page.locator(".fn-flag")).to_contain_text("Shouted at a volunteer")
    page.get_by_label("Add a tag").fill("sponsor")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".fn-tags")).to_contain_text("sponsor")
    screen.assert_accessible("fan")
    screen.shot("fan")

    zoe = Fan.objects.get(email="zoe@acme.com")
    assert (zoe.flagged, sorted(zoe.tags.values_list("name", flat=True))) == (True, ["speaker", "sponsor"])


def test_people_pages_on_a_phone(screens):
    community, organiser = _community()
    screen = screens("phone")
    page = screen.page
    log_in_as_organiser(page, organiser.email, PASSWORD)

    page.goto(f"/manage/{community.slug}/people/?sort=attended")
    assert _names(page)[0] == "Zoé Durand"
    screen.assert_accessible("people")
    screen.shot("people")
    page.get_by_role("link", name="Zoé Durand").click()
    expect(page.locator(".fn-moment").first).to_be_visible()
    screen.assert_accessible("fan")
    screen.shot("fan")
