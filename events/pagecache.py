"""Rendered public pages kept in the cache for anonymous visitors, invalidated by the state of the database.

The "pages" cache is local memory in each process (see settings), so nothing deletes entries when an
organiser saves: the key holds a fingerprint ("version") of the rows the page shows, read with one cheap query,
and any write to those rows (every write sets `updated_at`) gives a new key. Old entries simply expire.

Only pages that are the same for every anonymous visitor are kept: no signed-in user, no pending messages,
no cookie set by the view, no CSRF token (public pages carry no POST form; the language switch is a link).

Organisers' pages (attendee lists, people, fans, the dashboard) are kept too, each for one signed-in person and one
browser, under the version of the whole database (events.dataversion), which every committed write moves on. Such a
page is therefore never older than the data: it is only served again while nothing was written.
"""

import datetime as dt
import hashlib
import zlib
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from events import dataversion

MEMBER_CACHE = "member_pages"
# A member's page may show what time makes true ("past", today's date range): it is kept at most this long, and
# never across the turn of a minute, so such a change shows within a minute.
MEMBER_PAGE_SECONDS = 60
PAGE_TIMEOUT = 600  # seconds; a bound on memory, not on freshness (freshness comes from the version)
CACHE_HEADER = "X-Page-Cache"
_EXPIRES_ATTR = "page_cache_expires_at"
_KEPT_HEADERS = ("Content-Disposition", "Content-Language")


def can_share(request: HttpRequest) -> bool:
    """Whether this visitor gets (and may fill) the page shared by all anonymous visitors."""
    if request.method not in ("GET", "HEAD"):
        return False
    if request.user.is_authenticated:
        return False
    # A page carrying a one-off message ("You have been logged out") is for this visitor only.
    return len(get_messages(request)) == 0


def expire_at(response: HttpResponse, moment: dt.datetime | None) -> HttpResponse:
    """Let a view say that its page changes by itself at `moment` (a ticket type going on sale, say)."""
    if moment is not None:
        setattr(response, _EXPIRES_ATTR, moment)
    return response


def cached_page(request: HttpRequest, *, version: tuple, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The page from the cache when an anonymous visitor asks for a version already rendered; else `render()`.

    `version` must change whenever anything the page shows changes (see the selectors' `*_version`).
    """
    if not can_share(request):
        return render()
    key = page_key(request, version=version)
    entry = caches["pages"].get(key)
    if entry is not None:
        response = _response_from(request, entry)
        response[CACHE_HEADER] = "hit"
        return response
    response = render()
    entry = _entry_from(request, response)
    if entry is not None:
        timeout = _timeout_for(response)
        if timeout > 0:
            caches["pages"].set(key, entry, timeout=timeout)
    response[CACHE_HEADER] = "miss"
    return response


def page_key(request: HttpRequest, *, version: tuple) -> str:
    # The full path is in the key because the page shows it (the language switcher sends the visitor back to it).
    raw = repr((get_language(), request.get_full_path(), version))
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def _can_keep(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether a freshly rendered response (rendered here if it is a template response) may be served again: a
    whole page, that sets no cookie and changed nothing in the session."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    return not getattr(getattr(request, "session", None), "modified", False)


def _entry_from(request: HttpRequest, response: HttpResponse) -> dict | None:
    """What to keep of a freshly rendered response, or None when it must not be shared."""
    if not _can_keep(request, response):
        return None
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return None  # the page holds a CSRF token for this visitor only
    content = response.content
    headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
    return {"content": content, "content_type": response["Content-Type"], "headers": headers}


def _response_from(request: HttpRequest, entry: dict) -> HttpResponse:
    response = HttpResponse(entry["content"], content_type=entry["content_type"])
    for name, value in entry["headers"].items():
        response[name] = value
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def _timeout_for(response: HttpResponse) -> int:
    moment = getattr(response, _EXPIRES_ATTR, None)
    if moment is None:
        return PAGE_TIMEOUT
    return max(0, min(PAGE_TIMEOUT, int((moment - timezone.now()).total_seconds())))


def cached_member_page(request: HttpRequest, *, render: Callable[[], HttpResponse]) -> HttpResponse:
    """A signed-in member's page from the cache when nothing was written to the database since it was rendered for
    the same person, browser, language and address; else `render()`, kept for the next time.

    Call it after the access checks, which stay fresh on every request: only the rendering is saved.
    """
    csrf_secret = request.META.get("CSRF_COOKIE")
    if request.method != "GET" or not request.user.is_authenticated or not csrf_secret:
        return render()  # without a CSRF cookie, the page's forms carry a token of a cookie this response sets
    if len(get_messages(request)) != 0:
        return render()
    version = dataversion.current()
    if version is None:
        return render()
    raw = repr(
        (
            request.user.pk,
            csrf_secret,
            get_language(),
            request.get_full_path(),
            request.headers.get("HX-Request", ""),
            request.headers.get("HX-History-Restore-Request", ""),
            version,
            int(timezone.now().timestamp() // MEMBER_PAGE_SECONDS),
        )
    )
    key = "member-page:" + hashlib.sha256(raw.encode()).hexdigest()
    cache = caches[MEMBER_CACHE]
    entry = cache.get(key)
    if entry is not None:
        response = HttpResponse(zlib.decompress(entry["content"]), status=200)
        for name, value in entry["headers"]:
            response[name] = value
        response[CACHE_HEADER] = "hit"
        return response
    response = render()
    if _can_keep(request, response):
        # Compressed: a page of 50 rows is tens of kilobytes, and each worker keeps hundreds of pages in memory.
        content = zlib.compress(response.content, 1)
        cache.set(key, {"content": content, "headers": list(response.items())}, MEMBER_PAGE_SECONDS)
        response[CACHE_HEADER] = "miss"
    return response
