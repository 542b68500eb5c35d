"""Sign-up with e-mail and password, then e-mail verification by code."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

CODE_RE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)

pytestmark = pytest.mark.django_db


PASSWORD = "a-long-pass-phrase-42"


def sign_up(client, email="ada@example.com", query=""):
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("account_signup") + query, data)


def code_from(message) -> str:
    match = CODE_RE.search(message.body)
    assert match, f"no code in the e-mail:\n{message.body}"
    return match.group(1)


def test_signup_page_shows_email_and_passwords_without_username(client):
    response = client.get(reverse("account_signup"))

    html = response.content.decode()
    assert '<h1 class="account__title">Create your account</h1>' in html
    assert 'name="email"' in html
    assert 'name="password1"' in html
    assert 'name="password2"' in html
    assert "username" not in html.lower()


def test_signup_emails_a_code_and_shows_the_code_page(client):
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "[Rendezvous] Confirm your e-mail address"
    assert "Hello from Rendezvous!" in message.body
    code = code_from(message)
    page = client.get(response["Location"]).content.decode()
    assert "Confirm your e-mail address" in page
    assert "<strong>ada@example.com</strong>" in page
    assert 'name="code"' in page
    assert code not in page
    assert EmailAddress.objects.get(email="ada@example.com").verified is False


def test_signup_right_code_verifies_and_logs_in_on_manage_home(client):
    sign_up(client)
    code = code_from(mail.outbox[0])

    response = client.post(reverse("account_email_verification_sent"), {"code": code})

    assert response.status_code == 302
    assert response["Location"] == reverse("manage:home")
    address = EmailAddress.objects.get(email="ada@example.com")
    assert (address.verified, address.primary) == (True, True)
    assert client.session["_auth_user_id"] == str(address.user_id)


def test_signup_code_is_accepted_without_dash_and_in_lower_case(client):
    sign_up(client)
    code = code_from(mail.outbox[0]).replace("-", "").lower()

    client.post(reverse("account_email_verification_sent"), {"code": code})

    assert EmailAddress.objects.get(email="ada@example.com").verified is True


def test_signup_wrong_code_says_so_and_stays_unverified(client):
    sign_up(client)
    code = code_from(mail.outbox[0])
    wrong = "ZZZZ-ZZZZ" if code != "ZZZZ-ZZZZ" else "YYYY-YYYY"

    response = client.post(reverse("account_email_verification_sent"), {"code": wrong})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<ul class="errorlist" id="id_code_error"><li>Incorrect code.</li></ul>' in html
    assert 'aria-invalid="true"' in html
    assert EmailAddress.objects.get(email="ada@example.com").verified is False
    assert "_auth_user_id" not in client.session


def test_signup_then_next_is_honoured_after_verification(client):
    sign_up(client, query="?next=/c/some-community/")
    code = code_from(mail.outbox[0])

    response = client.post(reverse("account_email_verification_sent"), {"code": code})

    assert response["Location"] == "/c/some-community/"


def test_signup_two_people_get_distinct_accounts(client):
    sign_up(client, email="ada@example.com")
    client.logout()
    sign_up(client, email="grace@example.com")

    users = get_user_model().objects.order_by("email")
    assert [u.email for u in users] == ["ada@example.com", "grace@example.com"]
    assert len({u.username for u in users}) == 2


def test_signup_existing_email_creates_no_second_account(client, user):
    response = sign_up(client, email=user.email)

    assert response.status_code == 302
    assert get_user_model().objects.filter(email=user.email).count() == 1


def test_signup_mismatched_passwords_show_a_clear_error(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "ada@example.com", "password1": "a-long-pass-phrase-42", "password2": "something-else-42"},
    )

    html = response.content.decode()
    assert "You must type the same password each time." in html
    assert get_user_model().objects.count() == 0
    assert mail.outbox == []
