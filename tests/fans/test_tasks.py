"""The fans' background work: new orders linked in batches (one task for a burst), changes recounted."""

import datetime as dt

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from attendees import tasks
from attendees.models import Fan, Ticket
from attendees.services import cancel_order, place_order
from tests.fans.conftest import make_event

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
FAN_TASKS = ["attendees.tasks.link_new_fans", "attendees.tasks.sync_order_fans"]


def buy(event, email):
    ticket_type = event.ticket_types.get()
    return place_order(event=event, quantities={ticket_type.pk: 1}, holders=[("Ada", email)], buyer_name="Ada",
                       buyer_email=email)  # fmt: skip


def fan_tasks():
    return list(DBTaskResult.objects.filter(task_path__in=FAN_TASKS).values_list("task_path", "run_after"))


def test_a_burst_of_orders_schedules_one_linking_task_that_links_them_all(
    community, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_TASKS
    event = make_event(community)
    before = timezone.now()

    for email in ("a@example.com", "b@example.com", "c@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            buy(event, email)

    [(path, run_after)] = fan_tasks()
    assert path == "attendees.tasks.link_new_fans"
    assert before + dt.timedelta(seconds=2) <= run_after <= timezone.now() + dt.timedelta(seconds=2)
    assert Ticket.objects.filter(fan__isnull=True).count() == 3  # nothing linked before the task runs

    assert tasks.link_new_fans.call() == 3
    assert sorted(Fan.objects.values_list("email", "events_registered")) == [
        ("a@example.com", 1), ("b@example.com", 1), ("c@example.com", 1)
    ]  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):  # the run cleared the key: the next order schedules again
        buy(event, "d@example.com")
    assert [path for path, _at in fan_tasks()] == ["attendees.tasks.link_new_fans"] * 2


def test_leaving_the_holding_statuses_recounts_the_order_alone(community, settings, django_capture_on_commit_callbacks):
    settings.TASKS = DB_TASKS
    order = buy(make_event(community), "a@example.com")  # (the test transaction: no after-commit work)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order)

    [(path, _at)] = fan_tasks()
    [result] = DBTaskResult.objects.filter(task_path=path)
    assert (path, result.args_kwargs) == (
        "attendees.tasks.sync_order_fans",
        {"args": [], "kwargs": {"order_id": order.pk}},
    )
    assert tasks.sync_order_fans.call(order_id=order.pk) == 1
    assert Fan.objects.get().events_registered == 0
