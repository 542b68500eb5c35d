"""Account pages in a real browser: log in by password or by code, on a phone and on a laptop, accessible."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.helpers import last_code_sent_to
from tests.factories import UserFactory

DEVICES = ["phone", "desktop"]


@pytest.mark.parametrize("device", DEVICES)
def test_account_pages_render_accessibly(screens, device):
    screen = screens(device)
    page = screen.page

    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_role("heading", name="With your password")).to_be_visible()
    expect(page.get_by_role("heading", name="Or with a code by e-mail")).to_be_visible()
    screen.shot("login")
    screen.assert_accessible("login")

    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    screen.shot("signup")
    screen.assert_accessible("signup")

    page.goto("/accounts/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    screen.shot("password-reset")
    screen.assert_accessible("password-reset")


def test_account_password_and_code_sit_side_by_side_on_desktop_and_stack_on_phone(screens):
    boxes = {}
    for device in DEVICES:
        page = screens(device).page
        page.goto("/accounts/login/")
        password = page.get_by_role("region", name="With your password").bounding_box()
        code = page.get_by_role("region", name="Or with a code by e-mail").bounding_box()
        boxes[device] = (password, code)

    password, code = boxes["desktop"]
    assert code["x"] > password["x"] + password["width"] - 1
    assert abs(code["y"] - password["y"]) < 2
    password, code = boxes["phone"]
    assert code["y"] >= password["y"] + password["height"]
    assert max(password["x"] + password["width"], code["x"] + code["width"]) <= 390


def test_account_login_by_code_on_a_phone(screens):
    person = UserFactory(email="lin@example.com", username="hidden-handle")
    screen = screens("phone")
    page = screen.page

    page.goto("/accounts/login/")
    page.get_by_label("Your e-mail address").fill("lin@example.com")
    page.get_by_role("button", name="E-mail me a code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Type the code we e-mailed you")
    expect(page.get_by_text("lin@example.com", exact=True)).to_be_visible()
    screen.shot("code")
    screen.assert_accessible("code")

    page.get_by_label("Code").fill("0000-0000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    screen.shot("wrong-code")

    page.get_by_label("Code").fill(last_code_sent_to("lin@example.com"))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/manage/$"))
    screen.shot("logged-in")
    assert "hidden-handle" not in page.content()
    assert get_user_model().objects.get(pk=person.pk).last_login is not None


def test_account_email_page_on_a_phone(screens):
    person = UserFactory(email="lin@example.com", username="hidden-handle")
    screen = screens("phone")
    page = screen.page
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(person.email)
    page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(re.compile(r"/manage/$"))

    page.goto("/accounts/email/")
    expect(page.get_by_role("heading", name="E-mail addresses")).to_be_visible()
    expect(page.get_by_label(re.compile("lin@example.com"))).to_be_checked()
    screen.shot("email")
    screen.assert_accessible("email")

    page.get_by_role("link", name="Password", exact=True).click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    screen.shot("password-change")
    screen.assert_accessible("password-change")

    page.goto("/accounts/logout/")
    expect(page.get_by_text("You are logged in as lin@example.com. Log out now?")).to_be_visible()
    screen.shot("logout")
    screen.assert_accessible("logout")
    page.get_by_role("main").get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
