"""Logging in: by password, by a code sent by e-mail, and what a signed-in person sees."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

CODE_RE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)

pytestmark = pytest.mark.django_db


def test_login_page_offers_password_and_code_side_by_side(client):
    html = client.get(reverse("account_login")).content.decode()

    assert '<h1 class="account__title">Log in</h1>' in html
    assert '<h2 id="login-password-title">With your password</h2>' in html
    assert '<h2 id="login-code-title">Or with a code by e-mail</h2>' in html
    assert 'class="account-choices account-choices--two"' in html
    assert f'<form method="post" action="{reverse("account_request_login_code")}"' in html
    assert f'href="{reverse("account_reset_password")}">Forgot your password?</a>' in html
    assert "username" not in html.lower()


def test_login_page_keeps_next_in_both_forms(client):
    html = client.get(reverse("account_login") + "?next=/manage/new/").content.decode()

    assert '<input type="hidden" name="next" value="/manage/new/">' in html
    assert f'action="{reverse("account_request_login_code")}?next=%2Fmanage%2Fnew%2F"' in html


def test_login_by_password_lands_on_manage_home(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": "correct-horse-battery"})

    assert response.status_code == 302
    assert response["Location"] == reverse("manage:home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_by_password_honours_next(client, user):
    response = client.post(
        reverse("account_login") + "?next=/manage/new/",
        {"login": user.email, "password": "correct-horse-battery", "next": "/manage/new/"},
    )

    assert response["Location"] == "/manage/new/"


def test_login_by_password_refuses_an_outside_next(client, user):
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": "correct-horse-battery", "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("manage:home")


def test_login_wrong_password_says_so(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": "nope-nope-nope"})

    html = response.content.decode()
    assert "The email address and/or password you specified are not correct." in html
    assert '<div class="alert alert--danger" role="alert">' in html
    assert "_auth_user_id" not in client.session


def test_login_unverified_address_asks_for_the_code_first(client):
    person = UserFactory(verified=False)
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)

    response = client.post(reverse("account_login"), {"login": person.email, "password": "correct-horse-battery"})

    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert mail.outbox[0].subject == "[Rendezvous] Confirm your e-mail address"


def test_login_by_code_emails_a_code_that_logs_in(client, user):
    response = client.post(reverse("account_request_login_code"), {"email": user.email})

    assert response["Location"] == reverse("account_confirm_login_code")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[Rendezvous] Your log-in code"
    code = CODE_RE.search(mail.outbox[0].body).group(1)
    page = client.get(reverse("account_confirm_login_code")).content.decode()
    assert '<h1 class="account__title">Type the code we e-mailed you</h1>' in page
    assert f"<strong>{user.email}</strong>" in page

    response = client.post(reverse("account_confirm_login_code"), {"code": code})

    assert response["Location"] == reverse("manage:home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_by_code_wrong_code_says_so(client, user):
    client.post(reverse("account_request_login_code"), {"email": user.email})

    response = client.post(reverse("account_confirm_login_code"), {"code": "0000-0000"})

    assert '<ul class="errorlist" id="id_code_error"><li>Incorrect code.</li></ul>' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_by_code_keeps_next(client, user):
    url = reverse("account_request_login_code") + "?next=/manage/new/"
    response = client.post(url, {"email": user.email})
    code = CODE_RE.search(mail.outbox[0].body).group(1)

    response = client.post(response["Location"], {"code": code})

    assert response["Location"] == "/manage/new/"


def test_login_by_code_unknown_address_sends_no_code_and_reveals_nothing(client, db):
    response = client.post(reverse("account_request_login_code"), {"email": "nobody@example.com"})

    assert response["Location"] == reverse("account_confirm_login_code")
    assert [m.subject for m in mail.outbox] == ["[Rendezvous] Unknown Account"]
    assert "_auth_user_id" not in client.session


def test_login_signed_in_messages_name_the_email_not_the_username(client):
    user = UserFactory(username="secret-handle")
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "correct-horse-battery"}, follow=False
    )
    messages = [str(m) for m in response.wsgi_request._messages]

    assert messages == [f"Successfully signed in as {user.email}."]
    assert user.username not in messages[0]


def test_logout_page_names_the_email_and_post_logs_out(client):
    user = UserFactory(username="secret-handle")
    client.force_login(user)

    html = client.get(reverse("account_logout")).content.decode()
    assert f"You are logged in as <strong>{user.email}</strong>. Log out now?" in html
    assert user.username not in html

    response = client.post(reverse("account_logout"))
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
