"""The organiser's door pages in a real browser: the doors with their QR codes, and the live stats with the
arrivals chart, on a laptop at the welcome desk (1366x900) and on a phone; under the door pages' CSP."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkin.models import CheckIn
from checkin.services.doors import create_door, doors_for
from events.demo import ORGANISER_EMAIL
from events.models import Event
from tests.browser.helpers import SCREENSHOTS, Screen
from tests.checkin_manage.helpers import scan, ticket
from tests.factories import TicketTypeFactory

LAPTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def _signed_in(browser, live_server, user, device, *, bypass_csp=False):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=bypass_csp, **device)
    context.set_default_timeout(10_000)
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context


def _screen(context, name, device) -> Screen:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return Screen(page=context.new_page(), device=device, test_name=name).watch()


def _url(name, event):
    return reverse(f"checkin_manage:{name}", kwargs={"community": event.community.slug, "event": event.slug})


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    event = Event.objects.get(slug="build-night-40")
    from django.contrib.auth import get_user_model

    return event, get_user_model().objects.get(email=ORGANISER_EMAIL)


def test_door_stats_of_a_past_demo_event_draws_the_arrivals(browser, live_server, demo):
    event, organiser = demo
    for device, size in (("laptop", LAPTOP), ("phone", PHONE)):
        context = _signed_in(browser, live_server, organiser, size)
        screen = _screen(context, "door_stats_demo", device)
        screen.page.goto(_url("stats", event))

        bars = screen.page.locator("svg.ck-chart rect.ck-bar")
        heights = [float(bars.nth(i).get_attribute("height")) for i in range(bars.count())]
        assert bars.count() >= 12
        assert max(heights) > 100  # the peak reaches up the chart: a curve, not a flat line
        assert screen.page.locator(".ck-conflict").count() == 1
        assert screen.page.get_by_text("Unknown code").is_visible()
        box = screen.page.locator("svg.ck-chart").bounding_box()
        assert box["width"] >= (1000 if device == "laptop" else 300)
        screen.shot("stats")  # fails on any console error, CSP violations included
        context.close()
    # axe-core is injected as an inline script, which the page's CSP rightly blocks: checked without the CSP.
    context = _signed_in(browser, live_server, organiser, LAPTOP, bypass_csp=True)
    screen = _screen(context, "door_stats_demo_axe", "laptop")
    screen.page.goto(_url("stats", event))
    screen.assert_accessible("stats")
    context.close()


def test_doors_page_shows_each_door_with_a_scannable_qr(browser, live_server, demo):
    event, organiser = demo
    create_door(event=event, name="Speakers", ticket_types=[event.ticket_types.first().pk])
    for device, size in (("laptop", LAPTOP), ("phone", PHONE)):
        context = _signed_in(browser, live_server, organiser, size)
        screen = _screen(context, "door_doors_demo", device)
        screen.page.goto(_url("doors", event))

        cards = screen.page.locator(".ck-door")
        assert cards.count() == 2
        for i in range(2):
            qr = cards.nth(i).locator("svg.qr").bounding_box()
            assert qr["width"] >= 170 and abs(qr["width"] - qr["height"]) < 1
        assert screen.page.get_by_text("Admits every ticket type").is_visible()
        screen.shot("doors")
        screen.assert_accessible("doors")
        context.close()


def test_live_stats_update_on_their_own(browser, live_server, transactional_db, django_user_model):
    from tests.factories import EventFactory, MembershipFactory

    now = timezone.now()
    event = EventFactory(start=now - dt.timedelta(minutes=40), end=now + dt.timedelta(hours=2))
    organiser = MembershipFactory(community=event.community).user
    general = TicketTypeFactory(event=event)
    main = doors_for(event=event)[0]
    holders = [ticket(event, general, name=f"Fan {n}") for n in range(4)]
    for n, holder in enumerate(holders[:2]):
        scan(main, holder, at=now - dt.timedelta(minutes=30 - n * 7))
    context = _signed_in(browser, live_server, organiser, LAPTOP)
    screen = _screen(context, "door_stats_live", "laptop")
    screen.page.goto(_url("stats", event))
    figure = screen.page.locator('[data-figure="checked_in"]')
    assert figure.inner_text() == "2"

    scan(main, holders[2], at=timezone.now())

    # htmx asks for the figures every 5 seconds; the new check-in shows without a reload.
    screen.page.wait_for_function(
        "() => document.querySelector('[data-figure=\"checked_in\"]').textContent === '3'", timeout=12_000
    )
    assert screen.page.locator('[data-figure="inside"]').inner_text() == "3"
    assert CheckIn.objects.filter(event=event).count() == 3
    screen.shot("live")
    context.close()
