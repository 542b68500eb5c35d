"""A signed-out htmx request is sent to the login page as a whole page, back to the page it came from."""

from urllib.parse import quote

import pytest
from django.http import HttpResponseRedirect
from django.test import RequestFactory
from django.urls import reverse

from config.middleware import HtmxLoginRedirectMiddleware
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _stats_urls(event):
    kwargs = {"community": event.community.slug, "event": event.slug}
    return reverse("checkin_manage:stats", kwargs=kwargs), reverse("checkin_manage:stats_live", kwargs=kwargs)


def test_a_poll_after_the_session_ended_reloads_the_window_on_the_login_page(client, community):
    page, live = _stats_urls(EventFactory(community=community))

    response = client.get(live, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{page}?door=3")

    assert response.status_code == 200
    assert response.content == b""
    assert response["HX-Redirect"] == f"{reverse('account_login')}?next={quote(page + '?door=3', safe='')}"


def test_without_htmx_the_login_redirect_is_the_usual_one(client, community):
    _page, live = _stats_urls(EventFactory(community=community))

    response = client.get(live)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={quote(live, safe='/')}"
    assert "HX-Redirect" not in response


def test_a_current_page_of_another_site_is_not_where_the_login_sends_back(client, community):
    _page, live = _stats_urls(EventFactory(community=community))

    response = client.get(live, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="https://evil.example/phish")

    assert response["HX-Redirect"] == f"{reverse('account_login')}?next={quote(live, safe='')}"


def test_other_redirects_of_htmx_requests_are_left_alone():
    middleware = HtmxLoginRedirectMiddleware(lambda request: HttpResponseRedirect("/elsewhere/"))

    response = middleware(RequestFactory().get("/x", HTTP_HX_REQUEST="true"))

    assert (response.status_code, response["Location"]) == (302, "/elsewhere/")
