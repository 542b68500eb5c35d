"""The door's JSON endpoints (docs/door-protocol.md): parse the device's request, call one service or selector.

Every answer is JSON, errors included ({"ok": false, "reason", "message"} with 400 / 403 / 404 / 405 / 429).
"""

import datetime as dt
import functools
import json
import logging
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from checkin import access, counters, ratelimit, selectors
from checkin.errors import CheckInError
from checkin.models import CheckIn
from checkin.services import checkins
from checkin.services.rules import sentence
from events.models import Event

logger = logging.getLogger(__name__)

# Device ids and nonces are the page's own random strings; anything else is a broken or hostile client.
_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
# Longer than any ticket code: such a code is answered "not a ticket code" without being looked at.
MAX_CODE_LENGTH = 512
MAX_SYNC_SCANS = 500


class BadRequest(Exception):
    """A request the door cannot read: answered 400 with its message, nothing recorded."""


class DoorAnswer(JsonResponse):
    """A JSON answer that, once sent, runs the work put off until then (`later`: checkin.counters' recounts).

    The WSGI server calls close() after the last byte has gone to the device, so the volunteer does not wait for
    that work; a failure in it is logged, and the answer already given stands.
    """

    def __init__(self, data, *, later: list, **kwargs):
        super().__init__(data, **kwargs)
        self.later = later

    def close(self):
        try:
            for work in self.later:
                work()
        except Exception:
            logger.exception("Work put off until after a door's answer failed")
        finally:
            super().close()


def _error(status: int, reason: str, message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "reason": reason, "message": str(message)}, status=status)


def _csrf_failure(request):
    """The CSRF middleware's verdict on a POST, for views that answer its refusal in JSON rather than HTML."""
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})


def door_endpoint(method: str):
    """Allow one HTTP method, check who is asking and their access to the door, answer errors in JSON.

    Who is asking: a door token in the `X-Door-Token` header (checkin.access.door_token, given to the door page),
    or else the session, with the CSRF check on POST. A token needs no CSRF check: a page of another site cannot
    send a custom header to this origin without a CORS preflight, which we never allow, and it cannot read the
    token out of our page. The view gets the door and the volunteer (on the token path, a user with only its id:
    the check-in needs no more).
    """

    def decorate(view):
        @csrf_exempt  # checked below, to answer a failure in JSON
        @functools.wraps(view)
        def wrapped(request, code):
            if request.method != method:
                response = _error(405, "method_not_allowed", gettext("This address does not accept this request."))
                response["Allow"] = method
                return response
            token = request.headers.get("X-Door-Token")
            try:
                if token is not None:
                    door, user_id = access.door_for_token(code=code, token=token)
                    volunteer = get_user_model()(pk=user_id)
                else:
                    if not request.user.is_authenticated:
                        return _error(403, "login_required", gettext("Sign in again to use the door."))
                    if method == "POST" and _csrf_failure(request) is not None:
                        return _error(403, "csrf", gettext("The page is out of date: reload it and try again."))
                    door, volunteer = access.door_for_staff(user=request.user, code=code), request.user
            except Http404:
                return _error(404, "not_found", gettext("There is no door with this link."))
            except access.BadDoorToken:
                return _error(403, "token", gettext("The page is out of date: reload it and try again."))
            except PermissionDenied:
                return _error(
                    403, "forbidden", gettext("Only the organisers and volunteers of this community can use this door.")
                )
            try:
                return view(request, door, volunteer)
            except BadRequest as error:
                return _error(400, "bad_request", str(error))
            except CheckInError as error:
                status = 404 if error.code == "not_found" else 400
                return _error(status, error.code, error.message)

        return wrapped

    return decorate


# --- reading requests -------------------------------------------------------------------------------------------


def _body(request) -> dict:
    try:
        data = json.loads(request.body)
    except RequestDataTooBig:
        raise BadRequest(gettext("The request is too large.")) from None
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[..." nested past Python's limit
        raise BadRequest(gettext("The request is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise BadRequest(gettext("The request is not a JSON object."))
    return data


def _token(data: dict, field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise BadRequest(gettext("“%(field)s” must be 1 to 64 letters, digits or - _ . :") % {"field": field})
    return value


def _choice(data: dict, field: str, choices, default: str) -> str:
    value = data.get(field)
    if value is None:
        return default
    if value not in choices.values:
        raise BadRequest(
            gettext("“%(field)s” must be one of: %(choices)s") % {"field": field, "choices": ", ".join(choices.values)}
        )
    return value


def _scanned_at(data: dict) -> dt.datetime | None:
    value = data.get("scanned_at")
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(gettext("“scanned_at” must be a date and time such as 2026-11-21T19:03:12Z.")) from None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


def _positive_id(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise BadRequest(gettext("“%(field)s” must be a number from the door.") % {"field": field})
    return value


def _scan_request(data, *, device: str | None = None) -> checkins.ScanRequest:
    """One scan body as the service takes it; `device` when the batch names it once for all its scans."""
    if not isinstance(data, dict):
        raise BadRequest(gettext("Each scan must be a JSON object."))
    code, ticket_id = data.get("code"), data.get("ticket")
    method = _choice(data, "method", CheckIn.Method, CheckIn.Method.CAMERA)
    if ticket_id is not None:
        if code is not None or method != CheckIn.Method.SEARCH:
            raise BadRequest(gettext("A ticket number comes from the search, without a code."))
        ticket_id = _positive_id(ticket_id, "ticket")
    elif not isinstance(code, str):
        raise BadRequest(gettext("The scan has no code."))
    elif len(code) > MAX_CODE_LENGTH:
        code = code[:MAX_CODE_LENGTH]  # still refused as not a ticket code, without reading the rest
    offline = data.get("offline", False)
    if not isinstance(offline, bool):
        raise BadRequest(gettext("“offline” must be true or false."))
    return checkins.ScanRequest(
        device=device or _token(data, "device"),
        nonce=_token(data, "nonce"),
        code=code,
        ticket_id=ticket_id,
        kind=_choice(data, "kind", CheckIn.Kind, CheckIn.Kind.ENTRY),
        method=method,
        scanned_at=_scanned_at(data),
        offline=offline,
    )


def _rate_limited_answer(nonce: str) -> dict:
    return {"ok": False, "reason": "rate_limited", "message": sentence("rate_limited"), "nonce": nonce}


# --- endpoints --------------------------------------------------------------------------------------------------


@door_endpoint("POST")
def scan(request, door, volunteer):
    scan_request = _scan_request(_body(request))
    limiter = ratelimit.DoorLimiter(user_id=volunteer.pk)
    if limiter.blocks(device=scan_request.device):
        return JsonResponse(_rate_limited_answer(scan_request.nonce), status=429)
    checkin = checkins.scan(door=door, volunteer=volunteer, request=scan_request)
    limiter.record(checkin)
    answer = selectors.scan_answer(checkin, door=door)
    answer["nonce"] = checkin.nonce
    later = []
    answer["counts"] = counters.door_counts(door=door, change=getattr(checkin, "count_change", None), later=later)
    return DoorAnswer(answer, later=later)


@door_endpoint("POST")
def sync(request, door, volunteer):
    data = _body(request)
    device = _token(data, "device")
    scans = data.get("scans")
    if not isinstance(scans, list):
        raise BadRequest(gettext("“scans” must be a list."))
    if len(scans) > MAX_SYNC_SCANS:
        raise BadRequest(gettext("At most %(count)s scans at a time.") % {"count": MAX_SYNC_SCANS})
    scan_requests = [_scan_request(item, device=device) for item in scans]
    limiter = ratelimit.DoorLimiter(user_id=volunteer.pk)
    recorded = checkins.sync_scans(door=door, volunteer=volunteer, requests=scan_requests, limiter=limiter)
    results = []
    for scan_request, checkin in zip(scan_requests, recorded, strict=True):
        if checkin is None:
            results.append(_rate_limited_answer(scan_request.nonce))
            continue
        answer = selectors.scan_answer(checkin, door=door, extras=False)
        answer["nonce"] = checkin.nonce
        results.append(answer)
    later = []
    return DoorAnswer({"results": results, "counts": counters.door_counts(door=door, later=later)}, later=later)


@door_endpoint("GET")
def door_list(request, door, volunteer):
    # Asked once a minute per device, so read the event afresh: the token path may hold a copy a few seconds old,
    # and a moved end time must move the list's `wipe_after` at once.
    door.event = Event.objects.select_related("community").get(pk=door.event_id)
    return JsonResponse(selectors.door_list(door=door))


@door_endpoint("GET")
def search(request, door, volunteer):
    query = request.GET.get("q", "")
    if len(query.strip()) < selectors.SEARCH_MIN_LENGTH:
        raise BadRequest(gettext("Type at least 3 letters of a name or an e-mail address."))
    return JsonResponse({"results": selectors.search_tickets(door=door, query=query[: selectors.SEARCH_MAX_LENGTH])})


@door_endpoint("POST")
def undo(request, door, volunteer):
    checkin_id = _positive_id(_body(request).get("checkin"), "checkin")
    checkin = checkins.undo(door=door, checkin_id=checkin_id, volunteer=volunteer)
    answer = selectors.scan_answer(checkin, door=door, extras=False)
    answer["message"] = sentence("undone", name=checkin.ticket.holder_name)
    answer["undone"] = True
    later = []
    answer["counts"] = counters.door_counts(door=door, later=later)
    return DoorAnswer(answer, later=later)


@door_endpoint("GET")
def counts(request, door, volunteer):
    later = []
    return DoorAnswer(counters.door_counts(door=door, later=later), later=later)
