"""Two workers, or one task delivered many times at once, never send the same e-mail twice: real threads, each
with its own database connection, racing for the same recorded e-mail (PostgreSQL, or an SQLite file)."""

import time

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from attendees import emails
from attendees.models import OutgoingEmail
from attendees.services import place_order
from tests.attendees.test_concurrency import _shared_database, in_threads  # noqa: F401 (an autouse fixture)
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)


class SlowBackend(EmailBackend):
    """The test outbox, behind a mail server that takes its time: the race stays open while one thread sends."""

    def send_messages(self, messages):
        time.sleep(0.2)
        return super().send_messages(messages)


def test_twenty_workers_racing_for_one_email_send_it_once(settings):
    settings.EMAIL_BACKEND = "tests.attendees.test_emails_concurrency.SlowBackend"
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5))
    order = place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: 1},
        holders=[("Ada", "ada@example.com")],
        buyer_name="Ada",
        buyer_email="ada@example.com",
    )
    email = OutgoingEmail.objects.get(order=order)  # recorded; its task ran at once and sent it
    mail.outbox.clear()
    OutgoingEmail.objects.filter(pk=email.pk).update(status=OutgoingEmail.Status.PENDING, attempts=0)

    results = in_threads(20, lambda i: emails.deliver(email_id=email.pk))

    assert sorted(results) == ["not_claimed"] * 19 + ["sent"]
    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.values_list("status", "attempts").get(pk=email.pk) == (OutgoingEmail.Status.SENT, 1)
