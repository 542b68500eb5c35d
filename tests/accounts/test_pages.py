"""Every account page renders in the site's layout, names people by e-mail and never shows a username."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = [
    ("account_login", "Log in"),
    ("account_signup", "Create your account"),
    ("account_request_login_code", "Log in with a code"),
    ("account_reset_password", "Reset your password"),
    ("account_reset_password_done", "Check your e-mail"),
]
SIGNED_IN_PAGES = [
    ("account_email", "Your account"),
    ("account_change_password", "Your account"),
    ("account_logout", "Log out"),
]


@pytest.mark.parametrize(("url_name", "title"), ANONYMOUS_PAGES)
def test_anonymous_page_uses_site_layout(client, url_name, title):
    html = client.get(reverse(url_name)).content.decode()

    assert f'<h1 class="account__title">{title}</h1>' in html
    assert '<header class="site-header">' in html
    assert '<body class="account account--entrance' in html
    assert '<meta name="robots" content="noindex">' in html
    assert f"<title>{title if url_name != 'account_signup' else 'Sign up'} · Rendezvous</title>" in html
    assert "username" not in html.lower()


@pytest.mark.parametrize(("url_name", "title"), SIGNED_IN_PAGES)
def test_signed_in_page_uses_site_layout_and_shows_no_username(client, url_name, title):
    user = UserFactory(username="secret-handle")
    client.force_login(user)

    html = client.get(reverse(url_name)).content.decode()

    assert f'<h1 class="account__title">{title}</h1>' in html
    assert '<header class="site-header">' in html
    assert user.username not in html
    assert "username" not in html.lower()


def test_email_page_lists_addresses_with_their_state(client, user):
    EmailAddress.objects.create(user=user, email="second@example.com", verified=False, primary=False)
    client.force_login(user)

    html = client.get(reverse("account_email")).content.decode()

    assert '<nav class="account-nav" aria-label="Your account">' in html
    assert f'<a href="{reverse("account_email")}" aria-current="page">E-mail addresses</a>' in html
    first = html.index(f'<span class="account-email__address">{user.email}</span>')
    second = html.index('<span class="account-email__address">second@example.com</span>')
    assert html.count('<span class="badge badge--ok">Verified</span>') == 1
    assert html.count('<span class="badge badge--warn">Not verified</span>') == 1
    assert html.count('<span class="badge">Primary</span>') == 1
    assert first != second


def test_email_page_adding_an_address_sends_a_code(client, user):
    client.force_login(user)

    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.com"})

    assert response["Location"] == reverse("account_email_verification_sent")
    assert mail.outbox[0].to == ["new@example.com"]
    page = client.get(response["Location"]).content.decode()
    assert "<strong>new@example.com</strong>" in page
    assert f'<a class="link-button account__link" href="{reverse("account_email")}">Cancel</a>' in page
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[0].body, re.MULTILINE).group(1)

    client.post(reverse("account_email_verification_sent"), {"code": code})

    assert list(user.emailaddress_set.order_by("email").values_list("email", "verified", "primary")) == [
        ("new@example.com", True, False),
        (user.email, True, True),
    ]


def test_already_signed_in_password_reset_names_the_email(client, user):
    client.force_login(user)

    html = client.get(reverse("account_reset_password")).content.decode()

    assert f"You are already logged in as <strong>{user.email}</strong>." in html


def test_login_page_in_french_uses_allauth_translations(client):
    html = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert '<html lang="fr">' in html
    assert "Mot de passe oublié ?" in html


def test_password_change_page_for_someone_without_password_offers_to_set_one(client):
    user = UserFactory(username="secret-handle", password=None)
    user.set_unusable_password()
    user.save()
    client.force_login(user)

    response = client.get(reverse("account_change_password"), follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("account_set_password")
    assert "<h2>Choose a password</h2>" in html
    assert 'name="password1"' in html
    assert "secret-handle" not in html


def test_reauthenticate_page_uses_site_layout(client, user):
    client.force_login(user)

    html = client.get(reverse("account_reauthenticate")).content.decode()

    assert '<h1 class="account__title">' in html
    assert '<form class="form account-form card" method="post" action="/accounts/reauthenticate/">' in html
    assert '<label for="id_password">Password</label>' in html
