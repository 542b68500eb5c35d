"""The door's check-ins recounted in batches: one task for a stream of scans, over the tickets that changed."""

import datetime as dt

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from attendees import tasks
from attendees.models import Fan, Ticket
from attendees.signals import attendance_changed
from checkin.models import Door
from tests.checkin.factories import CheckInFactory
from tests.fans.conftest import make_event

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RECOUNT_TASKS = ["attendees.tasks.recount_attendance_since", "attendees.tasks.recount_ticket_fans"]


def recount_tasks():
    return list(DBTaskResult.objects.filter(task_path__in=RECOUNT_TASKS).values_list("task_path", "run_after"))


def admit(ticket, *, at):
    """A check-in at the event's door made at `at`, as the door service records it."""
    door = Door.objects.create(event=ticket.order.event, name="Main door")
    CheckInFactory(door=door, ticket=ticket, scanned_at=at, created_at=at)
    Ticket.objects.filter(pk=ticket.pk).update(checked_in_at=at)


def test_a_stream_of_check_ins_schedules_one_recount(community, register, settings):
    settings.TASKS = DB_TASKS
    tickets = [register(make_event(community), f"fan{n}@example.com").tickets.get() for n in range(3)]
    before = timezone.now()

    for ticket in tickets:
        attendance_changed.send(sender=None, ticket_ids=[ticket.pk])

    [(path, run_after)] = recount_tasks()
    assert path == "attendees.tasks.recount_attendance_since"
    assert before + dt.timedelta(seconds=10) <= run_after <= timezone.now() + dt.timedelta(seconds=10)
    [result] = DBTaskResult.objects.filter(task_path=path)
    since = dt.datetime.fromisoformat(result.args_kwargs["kwargs"]["since"])
    assert before - dt.timedelta(minutes=5) <= since <= timezone.now() - dt.timedelta(minutes=5)


def test_the_batch_recounts_the_fans_whose_check_ins_changed_since_and_no_others(community, register):
    now = timezone.now()
    recent, undone, old = (register(make_event(community), f"{n}@example.com").tickets.get() for n in "abc")
    admit(recent, at=now)
    admit(undone, at=now - dt.timedelta(hours=1))
    undone.checkins.update(undone_at=now)
    Ticket.objects.filter(pk=undone.pk).update(checked_in_at=None)
    admit(old, at=now - dt.timedelta(hours=1))  # not counted yet, and out of the window: left alone
    Fan.objects.update(events_attended=7)

    changed = tasks.recount_attendance_since.call(since=(now - dt.timedelta(minutes=5)).isoformat())

    assert changed == 2
    assert sorted(Fan.objects.values_list("email", "events_attended")) == [
        ("a@example.com", 1),
        ("b@example.com", 0),
        ("c@example.com", 7),
    ]


def test_without_a_backend_that_waits_the_fans_are_recounted_at_once(community, register):
    ticket = register(make_event(community), "ada@example.com").tickets.get()
    Ticket.objects.filter(pk=ticket.pk).update(checked_in_at=timezone.now())

    attendance_changed.send(sender=None, ticket_ids=[ticket.pk])

    assert Fan.objects.get().events_attended == 1
