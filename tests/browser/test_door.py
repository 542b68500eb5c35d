"""The door page in a real Chromium: a ticket's QR shown to the (fake) rear camera is read and admitted, once.

Headless Chromium on Linux has no native BarcodeDetector, so the QR goes through the ZXing WebAssembly decoder
served from our static files: this also proves the .wasm and its CSP work.
"""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from attendees.qr import qr_png
from attendees.secrets import new_ticket_secret
from checkin.models import CheckIn, Door
from events.models import Membership
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEVICES, TIMEOUT_MS
from tests.browser.helpers import AXE_JS, SCREENSHOTS, Screen, assert_accessible
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, UserFactory

FRAME_SIZE = (640, 480)


def qr_video(secret: str, path: Path, *, frames: int = 4) -> Path:
    """A Y4M video (YUV 4:2:0, what Chromium's fake camera plays in a loop) of the ticket's QR on white, centred."""
    qr = Image.open(io.BytesIO(qr_png(secret, box_size=9))).convert("L")
    frame = Image.new("L", FRAME_SIZE, 255)
    frame.paste(qr, ((FRAME_SIZE[0] - qr.width) // 2, (FRAME_SIZE[1] - qr.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (FRAME_SIZE[0] // 2 * FRAME_SIZE[1] // 2)  # no colour: U and V at the middle
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{FRAME_SIZE[0]} H{FRAME_SIZE[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + luma + chroma + chroma)
    return path


def door_setup(*, holder="Camille Martin", volunteer_name="Alex"):
    """A community with a volunteer, tonight's event with its door, and one confirmed ticket."""
    community = CommunityFactory(name="Lyon Rustaceans")
    volunteer = MembershipFactory(
        community=community, role=Membership.Role.VOLUNTEER, user=UserFactory(first_name=volunteer_name)
    ).user
    now = timezone.now()
    event = EventFactory(
        community=community,
        title="Rust & Pizza Night",
        start=now - dt.timedelta(minutes=30),
        end=now + dt.timedelta(hours=3),
    )
    door = Door.objects.create(event=event, name="Main door")
    ticket = TicketFactory(order=OrderFactory(event=event), holder_name=holder)
    return volunteer, door, ticket


def sign_in(context, live_server, user) -> None:
    """Give the browser the session of a logged-in `user` (logging in by e-mail code is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def open_door(context, live_server, user, door, test_name: str) -> Screen:
    sign_in(context, live_server, user)
    screen = Screen(page=context.new_page(), device="phone", test_name=test_name).watch()
    screen.page.on("console", lambda message: csp_violation(screen, message))
    screen.page.goto(f"/door/{door.code}/")
    expect(screen.page.locator("body[data-ready=yes]")).to_be_attached()
    return screen


def csp_violation(screen: Screen, message) -> None:
    """Chromium reports CSP violations as console errors; warnings that mention the policy fail the test too."""
    if "Content Security Policy" in message.text and message.type != "error":
        screen.errors.append(f"CSP: {message.text}")


@pytest.fixture
def camera_context(browser, live_server, transactional_db, tmp_path, request):
    """A phone whose rear camera films whatever Y4M file the test wrote to `camera_context.video` beforehand."""
    video = tmp_path / "camera.y4m"
    launched = []

    def start(secret: str):
        qr_video(secret, video)
        args = [
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
        chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=args, headless=True)
        launched.append(chromium)
        context = chromium.new_context(base_url=live_server.url, locale="en-GB", **DEVICES["phone"])
        context.set_default_timeout(TIMEOUT_MS)
        return context

    yield start
    for chromium in launched:
        chromium.close()


def test_camera_scan_admits_once_then_says_who_let_them_in(camera_context, live_server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    volunteer, door, ticket = door_setup()
    context = camera_context(ticket.secret)
    screen = open_door(context, live_server, volunteer, door, "door_camera")
    page = screen.page

    answer = page.locator("#door-answer")
    expect(answer).to_have_attribute("data-ok", "yes")
    expect(page.locator("#answer-message")).to_have_text("Welcome, Camille: General admission")
    expect(answer).to_be_visible()
    screen.shot("green")
    admitted = CheckIn.objects.get()
    assert (admitted.ticket, admitted.door, admitted.successful) == (ticket, door, True)
    assert (admitted.method, admitted.kind, admitted.offline) == ("camera", "entry", False)
    assert admitted.volunteer == volunteer
    assert page.locator("video").evaluate("v => v.srcObject.getVideoTracks()[0].readyState") == "live"
    # The decoder is ZXing from our static files, not the browser's own (there is none here).
    assert page.evaluate("() => typeof window.BarcodeDetectionAPI") == "object"
    expect(page.locator("#count-inside")).to_have_text("1")

    # The code stays in front of the camera: it is not sent again.
    page.wait_for_timeout(1500)
    assert CheckIn.objects.count() == 1
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#door-answer")).to_be_hidden()
    expect(page.locator("#door-last")).to_contain_text("Camille Martin")
    screen.shot("camera")
    assert CheckIn.objects.count() == 1

    # A fresh page (as a second phone would) reads it again: red, with who let them in and when.
    page.close()
    screen = open_door(context, live_server, volunteer, door, "door_camera")
    page = screen.page
    expect(page.locator("#door-answer")).to_have_attribute("data-ok", "no")
    at = timezone.localtime(admitted.scanned_at, door.event.tz).strftime("%H:%M")
    expect(page.locator("#answer-message")).to_have_text(re.compile(rf"^Already checked in at {at} by Alex"))
    screen.shot("red")
    refused = CheckIn.objects.exclude(pk=admitted.pk).get()
    assert (refused.ticket, refused.successful, refused.reason) == (ticket, False, "already_checked_in")
    screen.assert_no_console_errors("end")


def assert_accessible_under_csp(page, step: str) -> None:
    """axe-core through DevTools (the page's CSP refuses the inline <script> the shared helper adds)."""
    page.evaluate(AXE_JS.read_text())
    assert_accessible(page, step)


def stored_list(page, code: str):
    """The door list this page's IndexedDB holds for the door, or None."""
    return page.evaluate("code => DoorStore.getList(code).then(row => row ? row.list : null)", code)


def test_search_admit_undo_and_exit(screens, phone_context, live_server):
    volunteer, door, ticket = door_setup(holder="Camille Martin")
    sign_in(phone_context, live_server, volunteer)
    screen = screens("phone")
    page = screen.page
    page.goto(f"/door/{door.code}/")
    expect(page.locator("body[data-ready=yes]")).to_be_attached()
    assert_accessible_under_csp(page, "idle")
    answer, message = page.locator("#door-answer"), page.locator("#answer-message")

    # A lost ticket: found by name, admitted after the volunteer confirms.
    search = page.get_by_label("Lost ticket? Find by name or e-mail")
    search.fill("ca")
    expect(page.locator("#search-hint")).to_have_text("Type at least 3 letters of a name or an e-mail address")
    search.fill("camil")
    page.get_by_role("button", name="Camille Martin").click()
    expect(page.locator("#confirm-question")).to_have_text("Admit Camille Martin?")
    screen.shot("confirm")
    page.get_by_role("button", name="Admit", exact=True).click()
    expect(answer).to_have_attribute("data-ok", "yes")
    expect(message).to_have_text("Welcome, Camille: General admission")
    admitted = CheckIn.objects.get()
    assert (admitted.ticket, admitted.method, admitted.successful) == (ticket, "search", True)

    # Undo from the answer itself: recorded, not erased.
    page.locator("#answer-undo").click()
    expect(answer).to_have_attribute("data-ok", "info")
    expect(message).to_have_text("Check-in of Camille Martin undone")
    admitted.refresh_from_db()
    assert admitted.undone_at is not None and admitted.undone_by == volunteer
    expect(page.locator("#count-inside")).to_have_text("0")
    page.get_by_role("button", name="Next").click()
    expect(answer).to_be_hidden()

    # Exit mode: nobody to let out yet; then in, then out.
    page.locator(".door-mode label", has_text="Exit").click()
    code = page.get_by_label("Ticket code (scanner or keyboard)")
    code.fill(ticket.secret)
    code.press("Enter")
    expect(answer).to_have_attribute("data-ok", "no")
    expect(message).to_have_text(re.compile(r"^Camille is not inside"))
    page.locator(".door-mode label", has_text="Entry").click()
    code.fill(ticket.secret)
    code.press("Enter")
    expect(message).to_have_text("Welcome, Camille: General admission")
    expect(page.locator("#count-inside")).to_have_text("1")
    page.locator(".door-mode label", has_text="Exit").click()
    code.fill(ticket.secret)
    code.press("Enter")
    expect(answer).to_have_attribute("data-kind", "exit")
    expect(message).to_have_text(re.compile(r"^Goodbye, Camille"))
    expect(page.locator("#count-inside")).to_have_text("0")
    expect(page.locator("#count-checked-in")).to_have_text("1")
    screen.shot("exit")
    moves = list(CheckIn.objects.order_by("pk").values_list("kind", "successful", "reason"))
    assert moves == [
        ("entry", True, ""),
        ("exit", False, "not_inside"),
        ("entry", True, ""),
        ("exit", True, ""),
    ]


def test_unknown_and_invalid_codes_typed_by_hand_are_red(screens, phone_context, live_server):
    volunteer, door, _ticket = door_setup()
    sign_in(phone_context, live_server, volunteer)
    screen = screens("phone")
    page = screen.page
    page.goto(f"/door/{door.code}/")
    expect(page.locator("body[data-ready=yes]")).to_be_attached()
    code = page.get_by_label("Ticket code (scanner or keyboard)")
    code.fill(new_ticket_secret())
    code.press("Enter")
    expect(page.locator("#door-answer")).to_have_attribute("data-ok", "no")
    expect(page.locator("#answer-message")).to_have_text("Unknown code: no ticket has this code")
    screen.shot("unknown")
    code.fill("https://example.com/not-a-ticket")
    code.press("Enter")
    expect(page.locator("#answer-message")).to_have_text("Not a ticket code")
    refusals = list(CheckIn.objects.order_by("pk").values_list("successful", "reason", "method"))
    assert refusals == [(False, "unknown", "scanner"), (False, "invalid", "scanner")]


def test_wipe_this_device_and_the_list_leaves_after_the_event(screens, phone_context, live_server):
    volunteer, door, _ticket = door_setup()
    sign_in(phone_context, live_server, volunteer)
    screen = screens("phone")
    page = screen.page
    page.goto(f"/door/{door.code}/")
    expect(page.locator("#list-status")).to_have_text(re.compile(r"^Door list on this device: 1 ticket,"))
    assert [t["name"] for t in stored_list(page, door.code)["tickets"]] == ["Camille Martin"]

    page.get_by_role("button", name="Wipe this device").click()
    expect(page.locator("#confirm-question")).to_have_text("Remove the door list from this device?")
    page.get_by_role("button", name="Wipe", exact=True).click()
    expect(page.locator("#list-status")).to_have_text("The door list was removed from this device")
    assert stored_list(page, door.code) is None

    # Stored again on the next visit; once the event is over (12 h after its end) the next visit removes it.
    page.reload()
    expect(page.locator("#list-status")).to_have_text(re.compile(r"^Door list on this device: 1 ticket,"))
    event = door.event
    event.start, event.end = event.start - dt.timedelta(days=1), timezone.now() - dt.timedelta(hours=13)
    event.save(update_fields=["start", "end"])
    page.reload()
    expect(page.locator("body[data-ready=yes]")).to_be_attached()
    assert stored_list(page, door.code) is None
    expect(page.locator("#list-status")).to_have_text("")


def test_door_index_leads_to_the_door_on_phone_and_laptop(screens, phone_context, desktop_context, live_server):
    volunteer, door, _ticket = door_setup()
    for device, context in (("phone", phone_context), ("desktop", desktop_context)):
        sign_in(context, live_server, volunteer)
        screen = screens(device)
        page = screen.page
        page.goto("/door/")
        expect(page.get_by_role("heading", level=2)).to_have_text("Rust & Pizza Night")
        screen.shot("index")
        assert_accessible_under_csp(page, f"index {device}")
        page.get_by_role("link", name="Open Main door").click()
        page.wait_for_url(f"**/door/{door.code}/")
        expect(page.locator("#list-status")).to_have_text(re.compile(r"^Door list on this device: 1 ticket,"))
        screen.shot("door")
