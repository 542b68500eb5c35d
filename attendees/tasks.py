"""Background work for registration: thin wrappers that take ids, call a service, and do no harm when run twice.

Services enqueue these with transaction.on_commit (they import this module inside functions: it imports them).
"""

import datetime as dt

from django.db import transaction
from django_tasks import task

from attendees import emails
from attendees.services import fans, orders, payments, waitinglist
from events.models import Event


@task()
def release_expired_holds() -> int:
    """Free the seats of payments not completed in time; also retries refunds Stripe has not accepted yet."""
    released = orders.release_expired_holds()
    payments.retry_pending_refunds()
    return released


@task()
def expire_waiting_list_offers() -> int:
    """Pass unclaimed offers on; also offers places left free while people wait."""
    expired = waitinglist.expire_offers()
    waitinglist.offer_free_places()
    return expired


@task()
def cancel_event_orders(event_id: int) -> dict:
    """The organisers cancelled the event: cancel and refund its registrations, close its waiting list, tell
    everyone; a second run finds nothing left to do."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return {}
    done = orders.cancel_event_orders(event=event)
    return {"cancelled": done.cancelled, "refunded": done.refunded, "closed": done.closed}


@task()
def offer_added_places(event_id: int) -> int:
    """Places were added to the event: offer them to the waiting list before anyone else can take them."""
    event = Event.objects.filter(pk=event_id).first()
    return len(waitinglist.offer_next(event=event)) if event is not None else 0


@task()
def refund_payment(order_id: int) -> None:
    payments.send_refund(order_id=order_id)


@task()
def expire_checkout_session(session_id: str) -> None:
    payments.close_checkout(session_id=session_id)


@task()
def send_email(email_id: int) -> str:
    """Send one recorded registration e-mail; a second run finds it sent (or being sent) and does nothing."""
    return emails.deliver(email_id=email_id)


@task()
def send_reminder(order_id: int) -> str:
    """The reminder about a day before the event, at most once per order; skipped when no longer wanted."""
    return emails.send_reminder(order_id=order_id)


@task()
def send_pending_emails() -> int:
    """The periodic safety net for e-mails: retries unsent rows and sends the reminders that are due."""
    return emails.send_pending() + emails.send_due_reminders()


@task()
def link_new_fans() -> int:
    """Orders were placed: link their tickets to the communities' fans, in one batch (see fans.order_placed)."""
    return fans.link_new_fans()


@task()
def sync_order_fans(order_id: int) -> int:
    """An order entered or left the holding statuses: link its tickets to the community's fans, recount them."""
    return len(fans.sync_orders(order_ids=[order_id]))


@task()
def sync_waiting_entry_fans(entry_id: int) -> int:
    """Someone joined a waiting list: they are one of the community's people from now on."""
    return len(fans.sync_waiting_entries(entry_ids=[entry_id]))


@task()
def recount_ticket_fans(ticket_ids: list[int]) -> int:
    """The door let these tickets in (or undid it): their fans' attendance changed."""
    return fans.recount_ticket_fans(ticket_ids=ticket_ids)


@task()
def recount_attendance_since(since: str) -> int:
    """The door's check-ins since `since` (ISO 8601), in one batch: see fans.attendance_changed."""
    return fans.recount_attendance_since(since=dt.datetime.fromisoformat(since))


@task()
def recount_community_fans(community_id: int) -> int:
    return fans.recount_community(community_id=community_id)


def enqueue_on_commit(task_obj, **kwargs) -> None:
    transaction.on_commit(lambda: task_obj.enqueue(**kwargs))


def schedule_on_commit(task_obj, *, at: dt.datetime, **kwargs) -> None:
    """Run `task_obj` at `at` when the backend can wait (the database backend can); otherwise the periodic
    sweep (`manage.py attendees_sweep`, from cron) and the lazy sweep in place_order cover it."""
    if task_obj.get_backend().supports_defer:
        transaction.on_commit(lambda: task_obj.using(run_after=at).enqueue(**kwargs))
