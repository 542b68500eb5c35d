"""Registration tasks: thin, idempotent, and scheduled at the right time when the backend can wait."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from attendees import tasks
from attendees.models import Order, WaitingListEntry
from attendees.services import cancel_order, join_waiting_list, place_order
from attendees.services.payments import HOLD_GRACE
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def buy(ticket_type, email):
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: 1},
        holders=[("Fan", email)],
        buyer_name="Fan",
        buyer_email=email,
    )


def test_release_expired_holds_task_twice_releases_once(fake_stripe):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=3), price=Decimal("5"))
    order = buy(ticket_type, "ada@example.com")
    Order.objects.filter(pk=order.pk).update(hold_expires_at=timezone.now() - HOLD_GRACE - dt.timedelta(seconds=1))

    first = tasks.release_expired_holds.enqueue()
    second = tasks.release_expired_holds.enqueue()

    assert (first.status, first.return_value, second.return_value) == (TaskResultStatus.SUCCESSFUL, 1, 0)
    assert Order.objects.get(pk=order.pk).status == Order.Status.EXPIRED


def test_expire_waiting_list_offers_task_twice_expires_once():
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=1))
    order = buy(ticket_type, "x@example.com")
    entry = join_waiting_list(event=ticket_type.event, name="Sam", email="sam@example.com")
    cancel_order(order=order)
    WaitingListEntry.objects.filter(pk=entry.pk).update(offer_expires_at=timezone.now() - dt.timedelta(seconds=1))

    results = [tasks.expire_waiting_list_offers.enqueue().return_value for _ in range(2)]

    assert results == [1, 0]
    assert WaitingListEntry.objects.get(pk=entry.pk).status == WaitingListEntry.Status.EXPIRED


def test_refund_payment_task_for_an_order_that_needs_no_refund_does_nothing(fake_stripe):
    order = buy(TicketTypeFactory(event=EventFactory(capacity=3)), "ada@example.com")

    result = tasks.refund_payment.enqueue(order_id=order.pk)

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert fake_stripe.refunds == {}
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED


def test_paid_order_schedules_its_release_when_the_backend_can_wait(
    fake_stripe, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=3), price=Decimal("5"))

    with django_capture_on_commit_callbacks(execute=True):
        order = buy(ticket_type, "ada@example.com")

    assert list(
        DBTaskResult.objects.exclude(task_path="attendees.tasks.link_new_fans").values_list("task_path", "run_after")
    ) == [("attendees.tasks.release_expired_holds", order.hold_expires_at + HOLD_GRACE)]


def test_offer_schedules_its_expiry_when_the_backend_can_wait(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=1))
    order = buy(ticket_type, "x@example.com")
    entry = join_waiting_list(event=ticket_type.event, name="Sam", email="sam@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order)

    entry.refresh_from_db()
    # (The cancellation's and the offer's e-mails, and linking the order to fans, are enqueued too, to run at once.)
    assert list(
        DBTaskResult.objects.exclude(
            task_path__in=["attendees.tasks.send_email", "attendees.tasks.sync_order_fans"]
        ).values_list("task_path", "run_after")
    ) == [("attendees.tasks.expire_waiting_list_offers", entry.offer_expires_at)]


def test_attendees_sweep_command_reports_what_it_did(fake_stripe, capsys):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=3), price=Decimal("5"))
    order = buy(ticket_type, "ada@example.com")
    Order.objects.filter(pk=order.pk).update(hold_expires_at=timezone.now() - HOLD_GRACE - dt.timedelta(seconds=1))

    call_command("attendees_sweep")

    assert capsys.readouterr().out == (
        "1 holds released, 0 offers expired, 0 offers made, 0 refunds sent, 0 e-mails sent, 0 reminders sent, "
        "0 cancelled events cleared, 1 orders linked to fans, 0 fans recounted\n"
    )


def test_attendees_sweep_clears_a_cancelled_event_whose_task_was_lost(capsys):
    from events.models import Event

    ticket_type = TicketTypeFactory(event=EventFactory(capacity=1))
    order = buy(ticket_type, "ada@example.com")  # the last place: the next fan waits
    entry = join_waiting_list(event=ticket_type.event, name="Sam", email="sam@example.com", quantity=1)
    # The organiser's cancellation committed, but its task never ran (the worker died).
    Event.objects.filter(pk=ticket_type.event_id).update(status=Event.Status.CANCELLED)

    call_command("attendees_sweep")
    call_command("attendees_sweep")

    order.refresh_from_db()
    entry.refresh_from_db()
    assert (order.status, entry.status) == (Order.Status.CANCELLED, WaitingListEntry.Status.CLOSED)
    assert [line.split(", ")[6] for line in capsys.readouterr().out.splitlines()] == [
        "1 cancelled events cleared",
        "0 cancelled events cleared",
    ]
