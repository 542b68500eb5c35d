"""Project-wide middleware."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


class HtmxLoginRedirectMiddleware:
    """Send a signed-out htmx request (a page's live figures polling, a filtered list) to the login page as a
    whole page.

    htmx follows a redirect by itself and would swap the login form into the box it was refreshing, over and
    over. Instead the answer tells htmx to load the login page in the window (`HX-Redirect`), with the page the
    person was on (`HX-Current-URL`) as where to come back after signing in, not the fragment's address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.headers.get("HX-Request") or response.status_code not in (301, 302, 303, 307, 308):
            return response
        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response.get("Location", "")).path != login:
            return response
        back = request.headers.get("HX-Current-URL", "")
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            parts = urlsplit(back)
            back = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            back = request.get_full_path()
        redirect = HttpResponse(status=200)
        redirect["HX-Redirect"] = f"{login}?{urlencode({REDIRECT_FIELD_NAME: back})}"
        return redirect
