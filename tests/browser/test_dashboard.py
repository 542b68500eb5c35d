"""The community dashboard in a real browser: an organiser opens it from the community page, reads the plots on a
laptop and a phone, picks dates and an event to compare, and downloads the numbers."""

import csv
import datetime as dt
import io
import random

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from attendees.models import Fan, Order, Ticket, WaitingListEntry
from events.models import Event, TicketType
from tests.browser.helpers import Screen
from tests.factories import CommunityFactory, EventFactory, MembershipFactory

TITLES = [
    "Rust & Pizza",
    "Async in practice",
    "Embedded Rust",
    "Summer social",
    "WebAssembly night",
    "Compilers 101",
    "Lightning talks",
    "Testing tales",
    "Year-end meetup",
    "Hack night",
]


def realistic_history(community, *, now) -> list[Event]:
    """Ten monthly meetups, the last one still to come: 25 to 60 registrations each, opening four weeks before,
    most in the last days; a pool of regulars who come back; some no-shows; a waiting list when full."""
    rng = random.Random(5)
    fans = Fan.objects.bulk_create(
        Fan(community=community, email=f"fan{n}@example.com", name=f"Fan {n}") for n in range(220)
    )
    regulars, others = fans[:40], fans[40:]
    events = []
    for index, title in enumerate(TITLES):
        start = (now - dt.timedelta(days=30 * (len(TITLES) - 1 - index) - 12)).replace(hour=18, minute=30)
        capacity = rng.choice([40, 50, 60])
        event = EventFactory(
            community=community, title=title, start=start, end=start + dt.timedelta(hours=3), capacity=capacity
        )
        ticket_type = TicketType.objects.create(event=event, name="General admission", quantity=capacity)
        events.append(event)
        wanted = rng.randint(25, 60 + 10 * index // 3)
        people = rng.sample(regulars, min(len(regulars), wanted // 2)) + rng.sample(others, wanted - wanted // 2)
        orders, tickets = [], []
        for person in people[:capacity]:
            days_before = min(int(rng.expovariate(1 / 6)), 28)
            created = start - dt.timedelta(days=days_before, hours=rng.randint(0, 20))
            if created > now:
                continue
            status = Order.Status.CANCELLED if rng.random() < 0.06 else Order.Status.CONFIRMED
            orders.append(
                Order(event=event, buyer_name=person.name, buyer_email=person.email, status=status, created_at=created)
            )
        Order.objects.bulk_create(orders)
        fan_of = {f.email: f for f in fans}
        for order in orders:
            came = start < now and order.status == Order.Status.CONFIRMED and rng.random() < 0.78
            tickets.append(
                Ticket(
                    order=order,
                    ticket_type=ticket_type,
                    holder_name=order.buyer_name,
                    holder_email=order.buyer_email,
                    fan=fan_of[order.buyer_email],
                    checked_in_at=start + dt.timedelta(minutes=rng.randint(0, 40)) if came else None,
                )
            )
        Ticket.objects.bulk_create(tickets)
        waiting = max(0, len(people) - capacity)
        WaitingListEntry.objects.bulk_create(
            WaitingListEntry(event=event, name=p.name, email=p.email) for p in people[capacity : capacity + waiting]
        )
    return events


@pytest.fixture
def laptop_context(browser, live_server, transactional_db):
    """A 1366x900 laptop screen."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", accept_downloads=True, viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _sign_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_organiser_reads_the_dashboard_compares_an_event_and_downloads_the_numbers(
    laptop_context, phone_context, live_server
):
    community = CommunityFactory(name="Lyon Rustaceans", time_zone="Europe/Paris")
    organiser = MembershipFactory(community=community).user
    events = realistic_history(community, now=timezone.now())
    _sign_in(laptop_context, live_server, organiser)
    screen = Screen(page=laptop_context.new_page(), device="laptop", test_name="dashboard").watch()
    page = screen.page

    page.goto(f"/manage/{community.slug}/")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    for name in ["Attendance and no-shows per event", "Returning and first-time attendees per event"]:
        expect(page.get_by_role("img", name=name)).to_be_visible()
    expect(page.get_by_role("img", name="Registrations before the event")).to_be_visible()
    rows = page.locator("#attendance-title ~ .db-table tbody tr")
    expect(rows).to_have_count(len(events))
    screen.shot("default")
    screen.assert_accessible("default")

    # Compare an earlier event's registrations with the ones before it.
    page.get_by_label("Event", exact=True).select_option(events[5].slug)
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#curves-title ~ .db-table tbody th")).to_have_count(4)
    expect(page.locator("#curves-title ~ .db-table tbody tr").last.locator("th")).to_contain_text(events[5].title)

    # Fewer dates: only the events since then.
    page.get_by_label("From").fill(timezone.localtime(events[7].start).date().isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    expect(rows).to_have_count(3)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the numbers (CSV)").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[1] for row in table[1:]] == [e.title for e in events[7:]] + ["All events (3)"]
    screen.assert_no_console_errors("end")

    _sign_in(phone_context, live_server, organiser)
    phone = Screen(page=phone_context.new_page(), device="phone", test_name="dashboard").watch()
    phone.page.goto(f"/manage/{community.slug}/dashboard/")
    expect(phone.page.get_by_role("img", name="Attendance and no-shows per event")).to_be_visible()
    phone.shot("default")
    phone.assert_accessible("default")
