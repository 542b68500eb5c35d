"""Views that belong to no app: the health check and the language switch."""

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """Answer "ok" with no database or template: the load balancer's probe and the benchmark's baseline."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@require_GET
def switch_language(request):
    """Remember the chosen language in a cookie and go back where the visitor was.

    A plain link rather than Django's POST form: public pages are shared by every anonymous
    visitor in the page cache, and a form would put a per-visitor CSRF token in each of them.
    A forged link can only change someone's display language, which harms nothing.
    """
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
