"""Password reset by a link sent by e-mail."""

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

LINK_RE = re.compile(r"^https?://[^/\s]+(/accounts/password/reset/key/\S+)$", re.MULTILINE)


def test_password_reset_page_in_our_words(client):
    html = client.get(reverse("account_reset_password")).content.decode()

    assert '<h1 class="account__title">Reset your password</h1>' in html
    assert 'name="email"' in html
    assert "username" not in html.lower()


def test_password_reset_email_link_sets_a_new_password(client, user):
    response = client.post(reverse("account_reset_password"), {"email": user.email})

    assert response["Location"] == reverse("account_reset_password_done")
    done = client.get(response["Location"]).content.decode()
    assert '<h1 class="account__title">Check your e-mail</h1>' in done
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "[Rendezvous] Choose a new password"
    assert user.username not in message.body
    path = LINK_RE.search(message.body).group(1)

    # allauth swaps the key in the URL for a session marker before showing the form.
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    html = response.content.decode()
    assert '<h1 class="account__title">Choose a new password</h1>' in html
    response = client.post(form_url, {"password1": "brand-new-secret-99", "password2": "brand-new-secret-99"})

    assert response["Location"] == reverse("account_reset_password_from_key_done")
    user.refresh_from_db()
    assert user.check_password("brand-new-secret-99")
    page = client.get(response["Location"]).content.decode()
    assert "Your password is now changed." in page


def test_password_reset_link_works_once(client, user):
    client.post(reverse("account_reset_password"), {"email": user.email})
    path = LINK_RE.search(mail.outbox[0].body).group(1)
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"password1": "brand-new-secret-99", "password2": "brand-new-secret-99"})

    html = client.get(path, follow=True).content.decode()

    assert '<h1 class="account__title">This link no longer works</h1>' in html
    assert f'<a href="{reverse("account_reset_password")}">Ask for a new link</a>' in html


def test_password_reset_unknown_address_looks_the_same_and_sends_no_link(client, db):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert response["Location"] == reverse("account_reset_password_done")
    assert [m.subject for m in mail.outbox] == ["[Rendezvous] Unknown Account"]
    assert LINK_RE.search(mail.outbox[0].body) is None
