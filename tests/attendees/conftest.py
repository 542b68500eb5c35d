"""Fixtures for the registration tests: the fake Stripe server and a way to deliver its webhooks."""

import pytest
from django.urls import reverse

from tests.fakestripe import FakeStripe


@pytest.fixture
def fake_stripe(settings):
    """A fake Stripe API on 127.0.0.1 (random port) with the site's Stripe settings pointing at it."""
    server = FakeStripe(api_key="sk_test_rendezvous", webhook_secret="whsec_test_rendezvous").start()
    settings.STRIPE_API_BASE = server.base_url
    settings.STRIPE_SECRET_KEY = server.api_key
    settings.STRIPE_WEBHOOK_SECRET = server.webhook_secret
    # Tests that want the SDK's retries turn them back on; the others should not wait for its back-off.
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    yield server
    server.stop()


@pytest.fixture
def webhook(client, fake_stripe):
    """deliver(type, session_id) -> response: a signed webhook posted to the site as Stripe would post it."""

    def deliver(type_, session_id, *, event_id=None):
        payload = fake_stripe.event(type_, session_id, event_id=event_id)
        return post_webhook(client, payload, fake_stripe.sign(payload))

    return deliver


def post_webhook(client, payload: bytes, signature: str | None):
    headers = {} if signature is None else {"HTTP_STRIPE_SIGNATURE": signature}
    return client.post(reverse("attendees:stripe_webhook"), data=payload, content_type="application/json", **headers)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 (free port), with the site's e-mail settings sending to it."""
    from tests.smtp import SMTPServer

    server = SMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    yield server
    server.stop()
