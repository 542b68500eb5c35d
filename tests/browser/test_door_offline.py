"""The door page through a network cut: scans decided on the phone from the stored door list, sent when it is back."""

import re

from playwright.sync_api import expect

from checkin.models import CheckIn
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.browser.test_door import door_setup, sign_in


def scan_by_hand(page, code: str) -> None:
    """What a handheld scanner does: types the code into the focused field, then Enter."""
    field = page.get_by_label("Ticket code (scanner or keyboard)")
    field.fill(code)
    field.press("Enter")


def test_offline_scans_are_decided_on_the_phone_and_sent_when_back_online(screens, phone_context, live_server):
    volunteer, door, camille = door_setup(holder="Camille Martin")
    sam = TicketFactory(order=OrderFactory(event=door.event), holder_name="Sam Durand")
    sign_in(phone_context, live_server, volunteer)
    screen = screens("phone")
    page = screen.page
    page.goto(f"/door/{door.code}/")

    # Before the cut: the door list is on the phone.
    expect(page.locator("#list-status")).to_have_text(re.compile(r"^Door list on this device: 2 tickets, updated at"))
    expect(page.locator("#door-status")).to_have_text("Online")
    expect(page.locator("#count-expected")).to_have_text("2")
    expect(page.locator("body[data-offline-copy=yes]")).to_be_attached()
    screen.shot("idle")

    phone_context.set_offline(True)
    expect(page.locator("#door-status")).to_have_text("Offline: scans are checked against the door list on this device")

    answer, message = page.locator("#door-answer"), page.locator("#answer-message")
    scan_by_hand(page, camille.secret)
    expect(answer).to_have_attribute("data-ok", "yes")
    expect(message).to_have_text("Welcome, Camille: General admission")
    expect(page.locator("#door-status")).to_have_text("Offline: 1 scan waiting")

    scan_by_hand(page, sam.secret)
    expect(message).to_have_text("Welcome, Sam: General admission")
    expect(page.locator("#door-status")).to_have_text("Offline: 2 scans waiting")
    expect(page.locator("#answer-status")).to_have_text("Offline: 2 scans waiting")
    expect(page.locator("#count-inside")).to_have_text("2")
    screen.shot("offline-green")

    # The same ticket again: refused on the phone, from its own earlier scan. The attempt is kept, to be recorded
    # on the server too, but it is no check-in waiting: still 2.
    scan_by_hand(page, camille.secret)
    expect(answer).to_have_attribute("data-ok", "no")
    expect(message).to_have_text(re.compile(r"^Already checked in at \d\d:\d\d by Alex at Main door$"))
    expect(page.locator("#door-status")).to_have_text("Offline: 2 scans waiting")
    screen.shot("offline-red")
    assert CheckIn.objects.count() == 0

    # Waiting scans survive a reload of the page while still offline (service worker and IndexedDB).
    page.reload()
    expect(page.locator("#door-status")).to_have_text("Offline: 2 scans waiting")
    expect(page.locator("#list-status")).to_have_text(re.compile(r"^Door list on this device: 2 tickets"))
    # The service worker keeps the decoder too, so the camera works after an offline reload.
    kept = page.evaluate(
        """() => Promise.all(["ponyfill.js", "zxing_reader.wasm"].map(
            name => caches.match("/static/vendor/barcode-detector/" + name).then(r => r ? r.status : null)))"""
    )
    assert kept == [200, 200]

    phone_context.set_offline(False)
    expect(page.locator("#door-status")).to_have_text("Online · 2 offline scans sent")
    screen.shot("synced")

    checkins = list(CheckIn.objects.order_by("scanned_at").values_list("ticket", "successful", "reason", "offline"))
    assert checkins == [
        (camille.pk, True, "", True),
        (sam.pk, True, "", True),
        (camille.pk, False, "already_checked_in", True),
    ]
    device = page.evaluate("() => localStorage.getItem('rendezvous-door-device')")
    assert set(CheckIn.objects.values_list("volunteer", "device")) == {(volunteer.pk, device)}
    # Recorded with the time they were scanned on the phone, before the upload.
    assert all(c.scanned_at < c.created_at for c in CheckIn.objects.all())
    expect(page.locator("#count-inside")).to_have_text("2")
    expect(page.locator("#count-checked-in")).to_have_text("2")


def test_offline_search_finds_names_in_the_list_on_the_phone(screens, phone_context, live_server):
    volunteer, door, _camille = door_setup(holder="Camille Martin")
    sam = TicketFactory(order=OrderFactory(event=door.event), holder_name="Sam Dürand")
    sign_in(phone_context, live_server, volunteer)
    screen = screens("phone")
    page = screen.page
    page.goto(f"/door/{door.code}/")
    expect(page.locator("#list-status")).to_have_text(re.compile(r"^Door list on this device: 2 tickets"))

    phone_context.set_offline(True)
    page.get_by_label("Lost ticket? Find by name or e-mail").fill("durand")
    expect(page.locator("#search-hint")).to_have_text("Offline: searching by name in the door list on this device")
    page.get_by_role("button", name="Sam Dürand").click()
    expect(page.locator("#confirm-question")).to_have_text("Admit Sam Dürand?")
    page.get_by_role("button", name="Admit", exact=True).click()
    expect(page.locator("#answer-message")).to_have_text("Welcome, Sam: General admission")
    expect(page.locator("#door-status")).to_have_text("Offline: 1 scan waiting")
    screen.shot("offline-search")

    phone_context.set_offline(False)
    expect(page.locator("#door-status")).to_have_text("Online · 1 offline scan sent")
    admitted = CheckIn.objects.get()
    assert (admitted.ticket, admitted.method, admitted.successful, admitted.offline) == (sam, "search", True, True)
