"""The reminder about a day before the event: scheduled at confirmation, swept when due, sent once, skipped when
the order, its tickets or the event are cancelled."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from attendees import emails, tasks
from attendees.models import Order, OutgoingEmail, Ticket
from attendees.services import place_order
from events.models import Event
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 3, 14, 18, 30, tzinfo=dt.UTC)
DUE = START - emails.REMINDER_LEAD


def confirmed_order(*, start=START, confirmed_at=START - dt.timedelta(days=10), event_status=Event.Status.PUBLISHED,
                    status=Order.Status.CONFIRMED):  # fmt: skip
    event = EventFactory(title="Spring meetup", start=start, end=start + dt.timedelta(hours=2), status=event_status)
    order = OrderFactory(event=event, status=status, confirmed_at=confirmed_at)
    TicketFactory(order=order, ticket_type=TicketTypeFactory(event=event))
    return order


def subjects():
    return [m.subject.split("] ", 1)[1] for m in mail.outbox]


def test_due_reminder_is_sent_once():
    confirmed_order()

    assert emails.send_due_reminders(now=DUE + dt.timedelta(minutes=5)) == 1
    assert emails.send_due_reminders(now=DUE + dt.timedelta(minutes=10)) == 0

    assert subjects() == ["Reminder: Spring meetup, Thursday, March 14, 2030, 7:30 PM"]
    assert list(OutgoingEmail.objects.values_list("kind", "status")) == [
        (OutgoingEmail.Kind.REMINDER, OutgoingEmail.Status.SENT)
    ]


@pytest.mark.parametrize(
    "now",
    [DUE - dt.timedelta(minutes=1), START, START + dt.timedelta(hours=1)],
    ids=["a minute early", "at the start", "after the start"],
)
def test_reminder_outside_its_window_is_not_sent(now):
    order = confirmed_order()

    assert emails.send_due_reminders(now=now) == 0
    assert emails.send_reminder(order_id=order.pk, now=now) == "not_due"
    assert mail.outbox == []
    assert OutgoingEmail.objects.count() == 0


def test_reminder_of_a_cancelled_event_is_not_sent():
    order = confirmed_order(event_status=Event.Status.CANCELLED)

    assert emails.send_due_reminders(now=DUE) == 0
    assert emails.send_reminder(order_id=order.pk, now=DUE) == "not_due"
    assert mail.outbox == []


@pytest.mark.parametrize("status", [Order.Status.CANCELLED, Order.Status.REFUNDED, Order.Status.PENDING_PAYMENT])
def test_reminder_of_an_order_not_confirmed_is_not_sent(status):
    order = confirmed_order(status=status)

    assert emails.send_due_reminders(now=DUE) == 0
    assert emails.send_reminder(order_id=order.pk, now=DUE) == "not_due"
    assert mail.outbox == []


def test_reminder_of_an_order_whose_tickets_are_all_cancelled_is_skipped_once():
    order = confirmed_order()
    Ticket.objects.filter(order=order).update(status=Ticket.Status.CANCELLED)

    assert emails.send_reminder(order_id=order.pk, now=DUE) == "skipped"
    assert emails.send_due_reminders(now=DUE + dt.timedelta(minutes=5)) == 0
    assert mail.outbox == []
    assert list(OutgoingEmail.objects.values_list("status", flat=True)) == [OutgoingEmail.Status.SKIPPED]


def test_order_confirmed_within_the_last_day_gets_no_reminder():
    order = confirmed_order(confirmed_at=DUE + dt.timedelta(hours=2))

    assert emails.send_due_reminders(now=DUE + dt.timedelta(hours=3)) == 0
    assert emails.send_reminder(order_id=order.pk, now=DUE + dt.timedelta(hours=3)) == "not_due"


def test_reminder_task_run_twice_sends_one_email():
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=20)
    order = confirmed_order(start=start, confirmed_at=start - dt.timedelta(days=3))

    results = [tasks.send_reminder.enqueue(order_id=order.pk).return_value for _ in range(2)]

    assert results == ["sent", "not_claimed"]
    assert len(mail.outbox) == 1


def test_reminder_for_an_event_moved_later_waits_for_the_sweep():
    order = confirmed_order()
    Event.objects.filter(pk=order.event_id).update(start=START + dt.timedelta(days=2), end=START + dt.timedelta(days=3))

    assert emails.send_reminder(order_id=order.pk, now=DUE) == "not_due"
    assert emails.send_due_reminders(now=DUE + dt.timedelta(days=2)) == 1
    assert len(mail.outbox) == 1


def test_confirmation_schedules_the_reminder_when_the_backend_can_wait(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=5)
    ticket_type = TicketTypeFactory(event=EventFactory(start=start, end=start + dt.timedelta(hours=2)))

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(
            event=ticket_type.event,
            quantities={ticket_type.pk: 1},
            holders=[("Ada", "ada@example.com")],
            buyer_name="Ada",
            buyer_email="ada@example.com",
        )

    email = OutgoingEmail.objects.get()
    scheduled = {r.task_path: r for r in DBTaskResult.objects.exclude(task_path="attendees.tasks.link_new_fans")}
    assert sorted(scheduled) == ["attendees.tasks.send_email", "attendees.tasks.send_reminder"]
    assert scheduled["attendees.tasks.send_email"].args_kwargs == {"args": [], "kwargs": {"email_id": email.pk}}
    reminder = scheduled["attendees.tasks.send_reminder"]
    assert reminder.run_after == start - emails.REMINDER_LEAD
    assert reminder.args_kwargs == {"args": [], "kwargs": {"order_id": order.pk}}
    # What the worker runs at that time:
    assert emails.send_reminder(order_id=order.pk, now=reminder.run_after) == "sent"
    assert [m.subject.split("] ", 1)[1].split(",")[0] for m in mail.outbox] == [f"Reminder: {ticket_type.event.title}"]


def test_order_confirmed_less_than_a_day_before_schedules_no_reminder(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=5)
    ticket_type = TicketTypeFactory(event=EventFactory(start=start, end=start + dt.timedelta(hours=2)))

    with django_capture_on_commit_callbacks(execute=True):
        place_order(
            event=ticket_type.event,
            quantities={ticket_type.pk: 1},
            holders=[("Ada", "ada@example.com")],
            buyer_name="Ada",
            buyer_email="ada@example.com",
        )

    assert list(
        DBTaskResult.objects.exclude(task_path="attendees.tasks.link_new_fans").values_list("task_path", flat=True)
    ) == ["attendees.tasks.send_email"]


def test_periodic_task_sends_pending_emails_and_due_reminders():
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=20)
    confirmed_order(start=start, confirmed_at=start - dt.timedelta(days=3))

    assert tasks.send_pending_emails.enqueue().return_value == 1
    assert tasks.send_pending_emails.enqueue().return_value == 0
    assert len(mail.outbox) == 1


def test_sweep_command_sends_due_reminders(capsys):
    from django.core.management import call_command

    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=20)
    confirmed_order(start=start, confirmed_at=start - dt.timedelta(days=3))

    call_command("attendees_sweep")
    call_command("attendees_sweep")

    out = capsys.readouterr().out.splitlines()
    assert [line.split("refunds sent, ")[1].split(", 0 cancelled")[0] for line in out] == [
        "0 e-mails sent, 1 reminders sent",
        "0 e-mails sent, 0 reminders sent",
    ]
    assert len(mail.outbox) == 1
