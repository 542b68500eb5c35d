"""The door pages on the volunteer's phone: the list of doors, the short link, the door page, its service worker.

The door page itself is static HTML plus static/checkin/door.js, which talks to the JSON endpoints of
checkin/views_api.py (see docs/door-protocol.md). Every sentence the script shows comes from here, translated.
"""

import hashlib
import json
import os
from functools import cache

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from checkin import access
from checkin.csp import door_csp
from checkin.models import CheckIn
from checkin.selectors_door import door_events_for_user
from checkin.services.doors import doors_for
from checkin.services.rules import volunteer_label

# What the service worker keeps on the device so the door page opens and decodes without the network.
OFFLINE_ASSETS = [
    "checkin/door.css",
    "checkin/door.js",
    "checkin/store.js",
    "vendor/barcode-detector/ponyfill.js",
    "vendor/barcode-detector/zxing_reader.wasm",
    "img/favicon.svg",
]


@require_GET
@door_csp
@login_required
def door_index(request):
    """The doors of today's and upcoming events of the communities the user organises or volunteers for."""
    events = door_events_for_user(user=request.user)
    return render(request, "checkin/door_index.html", {"events": events})


@require_GET
@login_required
def short_link(request, code):
    """/d/<code>/: the short link on the poster and in the organiser's QR; checks access on the way."""
    door = access.door_for_staff(user=request.user, code=code)
    return redirect("checkin_door:door", code=door.code)


@require_GET
@door_csp
@login_required
def door_page(request, code):
    """The door page: camera, scanner field, search, the answer, counters; works offline once loaded."""
    door = access.door_for_staff(user=request.user, code=code)
    event = door.event
    config = {
        "code": door.code,
        "base": reverse("checkin_door:door", kwargs={"code": door.code}),
        "serviceWorker": reverse("checkin_door:service_worker"),
        "scope": reverse("checkin_door:index"),
        "decoder": static("vendor/barcode-detector/ponyfill.js"),
        "wasm": static("vendor/barcode-detector/zxing_reader.wasm"),
        "language": request.LANGUAGE_CODE,
        "timeZone": event.time_zone,
        "user": volunteer_label(request.user),
        "csrf": get_token(request),
        # Sent as X-Door-Token: a scan then costs no session, user, door or role query (see checkin.access).
        "token": access.door_token(door=door, user=request.user),
        "csrfCookie": settings.CSRF_COOKIE_NAME,
        "messages": page_messages(),
    }
    context = {"door": door, "event": event, "doors": doors_for(event=event), "config": config}
    response = render(request, "checkin/door.html", context)
    # The page is personal (CSRF token, the volunteer's name): browsers may keep it, proxies may not.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def page_messages() -> dict:
    """Sentences door.js shows, in the page's language; %(name)s placeholders are filled in by the script.

    Plural sentences come as {"one": ..., "other": ...}: the script picks one with Intl.PluralRules.
    """
    reasons = {reason.value: str(reason.label) for reason in CheckIn.Reason}
    return {
        "reasons": reasons,
        "already_checked_in_short": _("Checked in at %(time)s"),
        "offline_waiting": _plural("Offline: %(count)s scan waiting", "Offline: %(count)s scans waiting"),
        "online_waiting": _plural("Sending %(count)s scan…", "Sending %(count)s scans…"),
        "offline": _("Offline: scans are checked against the door list on this device"),
        "offline_no_list": _("Offline, and no door list on this device yet: scans cannot be checked"),
        "online": _("Online"),
        "list_stored": _plural(
            "Door list on this device: %(count)s ticket, updated at %(time)s",
            "Door list on this device: %(count)s tickets, updated at %(time)s",
        ),
        "synced": _plural("%(count)s offline scan sent", "%(count)s offline scans sent"),
        "synced_refused": _plural("%(count)s refused", "%(count)s refused"),
        "conflict": _("Also admitted on another device while offline: the organisers will see it"),
        "admit_confirm": _("Admit %(name)s?"),
        "exit_confirm": _("Let %(name)s out?"),
        "search_short": _("Type at least 3 letters of a name or an e-mail address"),
        "search_none": _("Nobody found"),
        "search_offline": _("Offline: searching by name in the door list on this device"),
        "undo_done": _("Check-in undone"),
        "undo_failed": _("This check-in could not be undone"),
        "wipe_confirm": _("Remove the door list from this device?"),
        "wipe_waiting": _plural(
            "%(count)s scan has not been sent yet and will be lost. Remove everything from this device anyway?",
            "%(count)s scans have not been sent yet and will be lost. Remove everything from this device anyway?",
        ),
        "wiped": _("The door list was removed from this device"),
        "camera_denied": _(
            "The camera is blocked: allow it in the browser's settings, or use the code field and the search"
        ),
        "camera_missing": _("No camera found: use the code field or the search"),
        "camera_failed": _("The camera could not start: use the code field or the search"),
        "decoder_failed": _("The QR reader could not start: use the code field or the search"),
        "server_error": _("The server did not answer properly: try again"),
        "not_allowed": _("You can no longer use this door: ask an organiser"),
        "signed_out": _("Signed out: log in again to keep scanning"),
        "admit": _("Admit"),
        "let_out": _("Let out"),
        "wipe": _("Wipe"),
    }


def _plural(singular: str, plural: str) -> dict:
    return {"one": ngettext(singular, plural, 1), "other": ngettext(singular, plural, 2)}


@require_GET
@door_csp
def service_worker(request):
    """static/checkin/sw.js with the list of files to keep and a version, served at /door/sw.js.

    From here its default scope is /door/, which covers every door page; no-cache so browsers check for a new
    version each time a door page opens.
    """
    response = HttpResponse(_service_worker_source(), content_type="text/javascript; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _service_worker_source() -> str:
    if settings.DEBUG:  # static files change under a running development server
        return _build_service_worker()
    return _cached_service_worker()


@cache
def _cached_service_worker() -> str:
    return _build_service_worker()


def _build_service_worker() -> str:
    with open(finders.find("checkin/sw.js"), encoding="utf-8") as source:
        code = source.read()
    assets = [static(path) for path in OFFLINE_ASSETS]
    version = hashlib.sha256(code.encode())
    version.update(json.dumps(assets).encode())
    if settings.DEBUG:  # unhashed names under the development server: new contents must make a new version
        for path in OFFLINE_ASSETS:
            found = finders.find(path)
            version.update(str(os.stat(found).st_mtime_ns if found else 0).encode())
    header = f"const ASSETS = {json.dumps(assets)};\nconst VERSION = {json.dumps(version.hexdigest()[:16])};\n"
    return header + code
