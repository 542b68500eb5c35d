"""Who may use a door: the organisers and volunteers of the event's community, and nobody else.

Two ways in for the door's JSON endpoints: the session (as every page), or a door token (`door_token`), which the
door page gets when it is served and sends in the `X-Door-Token` header: a scan then needs no session, user, door
or role query, which is most of what a scan cost (docs/benchmarks.md, "Door scans").
"""

import copy
import re

from django.core import signing
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404

from checkin.models import Door
from events.access import event_for_organiser
from events.models import Membership

MAX_CODE_LENGTH = 16
# Door codes are secrets.token_urlsafe; anything else (a NUL byte makes PostgreSQL fail the query) is no door.
_CODE = re.compile(r"[A-Za-z0-9_-]+")
# A token opens its door for a working night, not longer: the page is reloaded (and a new token issued) after that.
DOOR_TOKEN_MAX_AGE = 12 * 60 * 60
MAX_TOKEN_LENGTH = 200
# How long a process trusts what it read about a token's user and door. A volunteer removed from the community
# is locked out within ROLE_RECHECK_SECONDS; a renamed door or a cancelled event shows within DOOR_CACHE_SECONDS.
ROLE_RECHECK_SECONDS = 60
DOOR_CACHE_SECONDS = 10
# Local memory of each process (the page cache), not the shared cache: the point is to skip a round trip.
_local = caches["pages"]


class BadDoorToken(PermissionDenied):
    """A door token that is malformed, tampered with, expired or for another door: the page must be reloaded."""


def _well_formed(code) -> bool:
    return isinstance(code, str) and len(code) <= MAX_CODE_LENGTH and bool(_CODE.fullmatch(code))


def _role_subquery(user):
    return Subquery(
        Membership.objects.filter(user=user, community_id=OuterRef("event__community_id")).values("role")[:1]
    )


def door_for_staff(*, user, code: str) -> Door:
    """The door with this code, with its event and community, for a member of the community (404 / 403 otherwise).

    `door.role` is the user's role in the community ("organiser" or "volunteer"). One query: the role comes
    with the door.
    """
    if not _well_formed(code):
        raise Http404
    queryset = Door.objects.select_related("event", "event__community").filter(code=code)
    if user.is_authenticated:
        queryset = queryset.annotate(role=_role_subquery(user))
    door = queryset.first()
    if door is None:
        raise Http404
    if not getattr(door, "role", None):
        raise PermissionDenied
    return door


# --- door tokens ------------------------------------------------------------------------------------------------


def _signer(code: str) -> signing.TimestampSigner:
    # The salt names the door: a token signed for one door is no token at any other.
    return signing.TimestampSigner(salt=f"checkin.door-token:{code}")


def door_token(*, door: Door, user) -> str:
    """A signed token that lets `user` use the JSON endpoints of `door` for DOOR_TOKEN_MAX_AGE (see the module).

    For the door page to put in `data-door-token`; the caller has checked access (door_for_staff sets door.role).
    """
    role = getattr(door, "role", None)
    if role is None:
        role = Membership.objects.filter(user=user, community_id=door.event.community_id).values_list("role", flat=True)
        role = role.first()
    if role is None:
        raise PermissionDenied
    return _signer(door.code).sign_object({"d": door.pk, "u": user.pk, "r": role}, compress=False)


def door_for_token(*, code: str, token: str) -> tuple[Door, int]:
    """(the door, the user's id) for a valid token of this door whose user still belongs to the community.

    404 for a malformed door code; 403 for a token that is malformed, tampered with, expired, for another door,
    or whose user has left the community (checked at most every ROLE_RECHECK_SECONDS per process).
    The door comes with its event (no community), possibly from this process's memory: a copy, so `door.role`
    set here is this request's own.
    """
    if not _well_formed(code):
        raise Http404
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise BadDoorToken
    try:
        claims = _signer(code).unsign_object(token, max_age=DOOR_TOKEN_MAX_AGE)
        door_id, user_id = int(claims["d"]), int(claims["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):  # SignatureExpired is a BadSignature
        raise BadDoorToken from None
    door = _cached_door(code)
    if door is None:
        raise Http404
    if door.pk != door_id:  # a door deleted, and its code given to another (never, but cheap to refuse)
        raise PermissionDenied
    role = _cached_role(user_id=user_id, community_id=door.event.community_id)
    if role is None:
        raise PermissionDenied
    door = copy.copy(door)
    door.role = role
    return door, user_id


_MISSING = object()


def _remembered(key: str, seconds: int, read):
    """`read()`, remembered by this process for `seconds` (None included: a door that is not there)."""
    found = _local.get(key, _MISSING)
    if found is _MISSING:
        found = read()
        _local.set(key, found, seconds)
    return found


def _cached_door(code: str) -> Door | None:
    # The querysets are built only when read: building one costs more than the cache.
    return _remembered(
        f"checkin:door:{code}",
        DOOR_CACHE_SECONDS,
        lambda: Door.objects.select_related("event").filter(code=code).first(),
    )


def _cached_role(*, user_id: int, community_id: int) -> str | None:
    def read():
        roles = Membership.objects.filter(user_id=user_id, community_id=community_id)
        return roles.values_list("role", flat=True).first()

    return _remembered(f"checkin:role:{user_id}:{community_id}", ROLE_RECHECK_SECONDS, read)


def door_for_organiser(*, user, community_slug: str, event_slug: str, door_id: int) -> Door:
    """A door of the community's event, for one of its organisers (404 / 403 otherwise)."""
    event = event_for_organiser(user=user, community_slug=community_slug, event_slug=event_slug)
    door = Door.objects.filter(event=event, pk=door_id).first()
    if door is None:
        raise Http404
    door.event = event
    return door
