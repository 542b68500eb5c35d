"""Registration e-mails go out after commit, once each: the seams, the sending task and the sweep."""

import datetime as dt
import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus

from attendees import emails, tasks
from attendees.models import Order, OutgoingEmail, WaitingListEntry
from attendees.services import cancel_order, join_waiting_list, notifications, place_order, refund_order
from attendees.services.orders import release_expired_holds
from attendees.services.payments import HOLD_GRACE
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every recipient."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({m.to[0]: (550, b"No such user") for m in email_messages})


def buy(ticket_type, email="ada@example.com", **kwargs):
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: 1},
        holders=[("Ada Lovelace", email)],
        buyer_name="Ada Lovelace",
        buyer_email=email,
        **kwargs,
    )


@pytest.fixture
def free_type(db):
    return TicketTypeFactory(event=EventFactory(title="Spring meetup", capacity=1), quantity=1)


def sent():
    return [(m.to, m.subject) for m in mail.outbox]


def rows():
    return list(OutgoingEmail.objects.order_by("pk").values_list("key", "status", "attempts"))


def test_free_order_sends_one_confirmation_after_commit(free_type, django_capture_on_commit_callbacks):
    community = free_type.event.community.name

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = buy(free_type)
        assert mail.outbox == []  # nothing before the commit

    assert len(callbacks) == 2  # the confirmation, and linking the order to the community's people
    assert sent() == [(["ada@example.com"], f"[{community}] Your tickets for Spring meetup")]
    assert rows() == [(f"confirmation:order:{order.pk}", OutgoingEmail.Status.SENT, 1)]


def test_rolled_back_order_sends_nothing_and_leaves_no_row(free_type, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        buy(free_type)
        raise RuntimeError("something later in the request failed")

    assert mail.outbox == []
    assert rows() == []
    assert Order.objects.count() == 0


def test_send_task_run_twice_sends_one_email(free_type):
    order = buy(free_type)  # the on-commit callbacks of a test transaction never run: nothing sent yet
    email = OutgoingEmail.objects.get(order=order)

    first = tasks.send_email.enqueue(email_id=email.pk)
    second = tasks.send_email.enqueue(email_id=email.pk)

    assert (first.status, first.return_value) == (TaskResultStatus.SUCCESSFUL, "sent")
    assert (second.status, second.return_value) == (TaskResultStatus.SUCCESSFUL, "not_claimed")
    assert len(mail.outbox) == 1


def test_the_same_notice_twice_records_one_row(free_type, django_capture_on_commit_callbacks):
    order = buy(free_type)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notifications.order_cancelled(order=order)
        notifications.order_cancelled(order=order)

    assert [k for k, *_ in rows()] == [f"confirmation:order:{order.pk}", f"cancelled:order:{order.pk}"]
    assert [m.subject.split("] ")[1] for m in mail.outbox] == ["Your registration for Spring meetup is cancelled"]


def test_a_claim_in_progress_is_not_sent_again(free_type):
    order = buy(free_type)
    email = OutgoingEmail.objects.get(order=order)
    now = timezone.now()
    OutgoingEmail.objects.filter(pk=email.pk).update(status=OutgoingEmail.Status.SENDING, claimed_at=now, attempts=1)

    assert emails.deliver(email_id=email.pk, now=now + emails.CLAIM_LEASE) == "not_claimed"
    assert emails.send_pending(now=now + emails.CLAIM_LEASE) == 0
    assert mail.outbox == []


def test_a_worker_that_died_mid_send_is_replaced_by_the_sweep(free_type):
    order = buy(free_type)
    email = OutgoingEmail.objects.get(order=order)
    claimed_at = timezone.now() - emails.CLAIM_LEASE - dt.timedelta(seconds=1)
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENDING, claimed_at=claimed_at, attempts=1
    )

    assert emails.send_pending() == 1
    assert emails.send_pending() == 0

    assert len(mail.outbox) == 1
    assert rows() == [(email.key, OutgoingEmail.Status.SENT, 2)]


def test_sweep_sends_rows_whose_task_was_lost_but_leaves_fresh_ones_to_their_task(free_type):
    order = buy(free_type)
    email = OutgoingEmail.objects.get(order=order)

    assert emails.send_pending(now=email.created_at + dt.timedelta(seconds=10)) == 0
    assert emails.send_pending(now=email.created_at + emails.SWEEP_DELAY + dt.timedelta(seconds=1)) == 1
    assert len(mail.outbox) == 1


def test_failed_send_is_retried_then_given_up(free_type, settings):
    settings.EMAIL_BACKEND = "tests.attendees.test_notifications.RefusingBackend"
    order = buy(free_type)
    email = OutgoingEmail.objects.get(order=order)

    outcomes = [emails.deliver(email_id=email.pk) for _ in range(emails.MAX_ATTEMPTS + 1)]

    assert outcomes == ["retry"] * (emails.MAX_ATTEMPTS - 1) + ["failed", "not_claimed"]
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (
        OutgoingEmail.Status.FAILED,
        emails.MAX_ATTEMPTS,
        "SMTPRecipientsRefused: {'ada@example.com': (550, b'No such user')}",
    )


def test_message_no_longer_true_is_skipped_not_sent(free_type, django_capture_on_commit_callbacks):
    order = buy(free_type)  # confirmation recorded, its task not run
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order)
    confirmation = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.CONFIRMATION)

    assert emails.deliver(email_id=confirmation.pk) == "skipped"
    assert [m.subject.split("] ")[1] for m in mail.outbox] == ["Your registration for Spring meetup is cancelled"]


def test_cancellation_offers_the_place_and_both_emails_go_out(free_type, django_capture_on_commit_callbacks):
    order = buy(free_type)
    entry = join_waiting_list(event=free_type.event, name="Sam", email="sam@example.com", language="fr")

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order)

    assert [(m.to, m.extra_headers["Content-Language"]) for m in mail.outbox] == [
        (["ada@example.com"], "en"),
        (["sam@example.com"], "fr"),
    ]
    assert [k for k, status, _ in rows() if status == OutgoingEmail.Status.SENT] == [
        f"cancelled:order:{order.pk}",
        f"offer:entry:{entry.pk}",
    ]


def test_offer_expiry_tells_the_fan(free_type, django_capture_on_commit_callbacks):
    order = buy(free_type)
    entry = join_waiting_list(event=free_type.event, name="Sam", email="sam@example.com")
    cancel_order(order=order)
    WaitingListEntry.objects.filter(pk=entry.pk).update(offer_expires_at=timezone.now() - dt.timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        tasks.expire_waiting_list_offers.enqueue()

    assert [m.subject.split("] ")[1] for m in mail.outbox] == ["Your offer for Spring meetup has expired"]


def test_unpaid_order_that_expires_tells_the_buyer(fake_stripe, django_capture_on_commit_callbacks):
    paid = TicketTypeFactory(event=EventFactory(title="Paid meetup", capacity=3), price=Decimal("8"))
    order = buy(paid)
    Order.objects.filter(pk=order.pk).update(hold_expires_at=timezone.now() - HOLD_GRACE - dt.timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        release_expired_holds()

    assert [m.subject.split("] ")[1] for m in mail.outbox] == ["Your registration for Paid meetup was not completed"]


def test_paid_order_confirmed_by_the_webhook_sends_one_confirmation(
    fake_stripe, webhook, django_capture_on_commit_callbacks
):
    paid = TicketTypeFactory(event=EventFactory(title="Paid meetup", capacity=3), price=Decimal("8"))
    order = buy(paid)
    fake_stripe.pay(order.stripe_checkout_session_id)

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            webhook("checkout.session.completed", order.stripe_checkout_session_id)

    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED
    assert [m.subject.split("] ")[1] for m in mail.outbox] == ["Your tickets for Paid meetup"]


def test_refund_tells_the_buyer_once(fake_stripe, webhook, django_capture_on_commit_callbacks):
    paid = TicketTypeFactory(event=EventFactory(title="Paid meetup", capacity=3), price=Decimal("8"))
    order = buy(paid)
    fake_stripe.pay(order.stripe_checkout_session_id)
    webhook("checkout.session.completed", order.stripe_checkout_session_id)

    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order)

    assert Order.objects.get(pk=order.pk).status == Order.Status.REFUNDED
    assert [m.subject.split("] ")[1] for m in mail.outbox] == ["Refund for Paid meetup"]
    assert "We refunded your payment of €8.00 in full." in mail.outbox[0].body


def pending(event, status, **kwargs):
    order = OrderFactory(event=event, buyer_email="ada@example.com", status=status, **kwargs)
    TicketFactory(order=order, ticket_type=TicketTypeFactory(event=event))
    return order


def test_free_order_approved_gets_its_tickets_once_whichever_seams_are_called(
    free_type, django_capture_on_commit_callbacks
):
    order = pending(free_type.event, Order.Status.CONFIRMED, confirmed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notifications.order_approved(order=order)
        notifications.order_confirmed(order=order)

    assert [m.subject.split("] ")[1] for m in mail.outbox] == ["Your tickets for Spring meetup"]
    assert [k for k, *_ in rows()] == [f"confirmation:order:{order.pk}"]


def test_paid_order_approved_gets_the_payment_link(free_type, django_capture_on_commit_callbacks):
    order = pending(
        free_type.event, Order.Status.PENDING_PAYMENT, total=Decimal("9"), stripe_checkout_url="https://pay.example/cs"
    )
    with django_capture_on_commit_callbacks(execute=True):
        notifications.order_approved(order=order)

    assert [m.subject.split("] ")[1] for m in mail.outbox] == [
        "Your registration for Spring meetup is approved: pay to confirm it"
    ]
    assert "Pay now:\nhttps://pay.example/cs\n" in mail.outbox[0].body


def test_pending_and_declined_registrations_are_told(free_type, django_capture_on_commit_callbacks):
    order = pending(free_type.event, Order.Status.PENDING_APPROVAL)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.order_pending_approval(order=order)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.DECLINED)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.order_declined(order=order, message="Members only, sorry.")

    assert [m.subject.split("] ")[1] for m in mail.outbox] == [
        "Your registration for Spring meetup is waiting for approval",
        "Your registration for Spring meetup was not accepted",
    ]
    assert "Their message:\nMembers only, sorry.\n" in mail.outbox[1].body


def test_tickets_resent_on_request_each_time(free_type, django_capture_on_commit_callbacks):
    order = pending(free_type.event, Order.Status.CONFIRMED, confirmed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        notifications.order_confirmed(order=order)
        notifications.tickets_resent(order=order)
        notifications.tickets_resent(order=order)

    assert [m.subject.split("] ")[1] for m in mail.outbox] == ["Your tickets for Spring meetup"] * 3
    assert [k.split(":resend:")[0] for k, *_ in rows()] == [f"confirmation:order:{order.pk}"] * 3
