"""Receivers of other apps' signals: they only enqueue attendees' own work.

allauth's: orders placed without an account join the account of the same (verified) e-mail address when its owner
logs in or confirms the address (allauth must not know about orders). events': a cancelled event's registrations
are cancelled and refunded, and places added go to the waiting list first (events must not import attendees).
"""

from allauth.account.signals import email_confirmed, user_logged_in
from django.dispatch import Signal

from attendees.services import claim_orders_for_user
from events import signals as event_signals

# Sent by the door (checkin, a higher app) once a check-in or its undo has committed, with `ticket_ids`: the
# people list's counters (attendees.services.fans) follow attendance without attendees importing checkin.
attendance_changed = Signal()


def _on_login(sender, request, user, **kwargs):
    claim_orders_for_user(user=user)
    _attach_fans(user)


def _on_email_confirmed(sender, request, email_address, **kwargs):
    if email_address.user_id is not None:
        claim_orders_for_user(user=email_address.user)
        _attach_fans(email_address.user)


def _attach_fans(user):
    from allauth.account.models import EmailAddress

    from attendees.services import fans

    emails = list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))
    if emails:
        fans.attach_user(user=user, emails=emails)


def _on_event_cancelled(sender, event_id, **kwargs):
    from attendees import tasks

    tasks.cancel_event_orders.enqueue(event_id=event_id)


def _on_places_added(sender, event_id, **kwargs):
    from attendees import tasks

    tasks.offer_added_places.enqueue(event_id=event_id)


def _on_attendance_changed(sender, ticket_ids, **kwargs):
    from attendees.services import fans

    ids = sorted({int(i) for i in ticket_ids})
    if ids:
        fans.attendance_changed(ticket_ids=ids)


def connect() -> None:
    attendance_changed.connect(_on_attendance_changed, dispatch_uid="attendees.recount_fans_on_attendance")
    user_logged_in.connect(_on_login, dispatch_uid="attendees.claim_orders_on_login")
    email_confirmed.connect(_on_email_confirmed, dispatch_uid="attendees.claim_orders_on_email_confirmed")
    event_signals.event_cancelled.connect(_on_event_cancelled, dispatch_uid="attendees.cancel_event_orders")
    event_signals.places_added.connect(_on_places_added, dispatch_uid="attendees.offer_added_places")
