"""The e-mails of registration: built in the fan's language and the event's time zone, each sent once.

attendees.services.notifications records what to send (an OutgoingEmail row, in the transaction of the change)
and enqueues `deliver` after commit. `deliver` claims the row with one conditional UPDATE, so that two workers or
a task run twice never both send it; `send_pending` and `send_due_reminders` are the periodic safety nets.
"""

import datetime as dt
import logging
from email.mime.image import MIMEImage
from email.utils import formataddr, parseaddr

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEMultipart
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendees import qr
from attendees.models import Order, OutgoingEmail, Ticket
from attendees.services.payments import order_page_url
from events.calendar import event_ics
from events.models import Event
from events.templatetags.rendezvous import long_date

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-send: the sweep sends the row again. The SMTP
# timeout below is far shorter, so a slow server alone never makes a second worker send the same message.
CLAIM_LEASE = dt.timedelta(minutes=15)
SMTP_TIMEOUT = 60
MAX_ATTEMPTS = 5
# The on-commit task normally sends a row at once; the sweep leaves it that long before stepping in.
SWEEP_DELAY = dt.timedelta(minutes=1)
SWEEP_BATCH = 500
REMINDER_LEAD = dt.timedelta(hours=24)

_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)
_ORDER_RELATED = ["order__event__community", "order__event__venue"]
_ENTRY_RELATED = ["entry__event__community", "entry__event__venue"]


class RegistrationMessage(EmailMultiAlternatives):
    """Text and HTML alternatives, with images the HTML shows by Content-ID in a multipart/related part."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.inline_images: list[tuple[str, bytes, str]] = []

    def attach_inline_image(self, *, cid: str, content: bytes, filename: str) -> None:
        self.inline_images.append((cid, content, filename))

    def _create_message(self, msg):
        body = self._create_alternatives(msg)
        if self.inline_images:
            related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET)
            related.attach(body)
            for cid, content, filename in self.inline_images:
                image = MIMEImage(content, "png")
                image.add_header("Content-ID", f"<{cid}>")
                image.add_header("Content-Disposition", "inline", filename=filename)
                related.attach(image)
            body = related
        return self._create_attachments(body)


def ticket_cid(ticket: Ticket) -> str:
    return f"ticket-{ticket.pk}@rendezvous"


def claim_url(entry) -> str:
    return settings.SITE_URL + reverse("attendees:waitinglist_claim", kwargs={"token": entry.offer_token})


def entry_url(entry) -> str:
    return settings.SITE_URL + reverse("attendees:waitinglist_entry", kwargs={"token": entry.access_token})


# Sending ----------------------------------------------------------------------------------------------------------


def deliver(*, email_id: int, now: dt.datetime | None = None) -> str:
    """Send one recorded e-mail unless someone else has or is; returns sent, skipped, retry, failed or not_claimed.

    A message no longer true when its turn comes (tickets of an order cancelled meanwhile, an offer already gone)
    is skipped rather than sent.
    """
    now = now or timezone.now()
    claimable = Q(status=OutgoingEmail.Status.PENDING) | Q(
        status=OutgoingEmail.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE
    )
    claimed = (
        OutgoingEmail.objects.filter(claimable, pk=email_id, attempts__lt=MAX_ATTEMPTS)
        .update(status=OutgoingEmail.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )  # fmt: skip
    if not claimed:
        return "not_claimed"
    email = OutgoingEmail.objects.select_related(*_ORDER_RELATED, *_ENTRY_RELATED).get(pk=email_id)
    try:
        message = build_message(email, now=now)
        if message is not None:
            message.connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT)
            message.send()
    except Exception as exc:  # whatever the mail server or a template did: record it, the sweep tries again
        logger.exception("E-mail %s could not be sent (attempt %d)", email.key, email.attempts)
        gave_up = email.attempts >= MAX_ATTEMPTS
        OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.SENDING).update(
            status=OutgoingEmail.Status.FAILED if gave_up else OutgoingEmail.Status.PENDING,
            claimed_at=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return "failed" if gave_up else "retry"
    if message is None:
        OutgoingEmail.objects.filter(pk=email_id).update(status=OutgoingEmail.Status.SKIPPED, claimed_at=None)
        return "skipped"
    OutgoingEmail.objects.filter(pk=email_id).update(
        status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def send_pending(*, now: dt.datetime | None = None) -> int:
    """Send what the on-commit tasks did not: rows left behind by a dead worker, a failed send, a lost enqueue.

    Returns the number of e-mails sent."""
    now = now or timezone.now()
    due = Q(status=OutgoingEmail.Status.PENDING, created_at__lt=now - SWEEP_DELAY) | Q(
        status=OutgoingEmail.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE
    )
    ids = list(
        OutgoingEmail.objects.filter(due, attempts__lt=MAX_ATTEMPTS)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(deliver(email_id=email_id, now=now) == "sent" for email_id in ids)


# Reminders --------------------------------------------------------------------------------------------------------


def reminder_time(event: Event) -> dt.datetime:
    return event.start - REMINDER_LEAD


def _reminder_wanted(order: Order, now: dt.datetime) -> bool:
    """A confirmed order of a published event that starts within the lead time, confirmed before the reminder was
    due (one confirmed later has just had its tickets)."""
    event = order.event
    return (
        order.status == Order.Status.CONFIRMED
        and event.status == Event.Status.PUBLISHED
        and reminder_time(event) <= now < event.start
        and order.confirmed_at is not None
        and order.confirmed_at <= reminder_time(event)
    )


def send_reminder(*, order_id: int, now: dt.datetime | None = None) -> str:
    """Remind the buyer of the event about a day before; once per order, whoever calls it how often.

    Returns sent, not_due (not wanted now: too early, cancelled, confirmed too late), or what `deliver` said."""
    from attendees.services import notifications

    now = now or timezone.now()
    order = Order.objects.select_related("event").filter(pk=order_id).first()
    if order is None or not _reminder_wanted(order, now):
        return "not_due"
    email = notifications.record(kind=OutgoingEmail.Kind.REMINDER, order=order, enqueue=False)
    return deliver(email_id=email.pk, now=now)


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Send the reminders that are due and were never sent: the safety net for reminders never scheduled (a
    backend that cannot wait), scheduled for an event that moved since, or lost with their worker."""
    now = now or timezone.now()
    order_ids = (
        Order.objects.filter(
            status=Order.Status.CONFIRMED,
            event__status=Event.Status.PUBLISHED,
            event__start__gt=now,
            event__start__lte=now + REMINDER_LEAD,
            confirmed_at__lte=F("event__start") - REMINDER_LEAD,
        )
        .exclude(emails__kind=OutgoingEmail.Kind.REMINDER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(send_reminder(order_id=order_id, now=now) == "sent" for order_id in list(order_ids))


# Building ---------------------------------------------------------------------------------------------------------


def _sender(event: Event) -> str:
    return formataddr((event.community.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def _valid_tickets(order: Order) -> list[Ticket]:
    return list(order.tickets.filter(status=Ticket.Status.VALID).select_related("ticket_type").order_by("pk"))


def _confirmation(email, order, context, now):
    tickets = _valid_tickets(order)
    if order.status != Order.Status.CONFIRMED or not tickets:
        return None
    context["tickets"] = tickets
    return _("Your tickets for %(event)s") % {"event": order.event.title}


def _reminder(email, order, context, now):
    tickets = _valid_tickets(order)
    event = order.event
    if order.status != Order.Status.CONFIRMED or event.status != Event.Status.PUBLISHED or now >= event.start:
        return None
    if not tickets:
        return None
    context["tickets"] = tickets
    return _("Reminder: %(event)s, %(when)s") % {"event": event.title, "when": long_date(event.start, event.time_zone)}


def _pending_approval(email, order, context, now):
    if order.status != Order.Status.PENDING_APPROVAL:
        return None
    return _("Your registration for %(event)s is waiting for approval") % {"event": order.event.title}


def _approved(email, order, context, now):
    if order.status != Order.Status.PENDING_PAYMENT:
        return None
    context["pay_url"] = order.stripe_checkout_url or context["order_url"]
    return _("Your registration for %(event)s is approved: pay to confirm it") % {"event": order.event.title}


def _declined(email, order, context, now):
    context["organiser_message"] = email.note
    return _("Your registration for %(event)s was not accepted") % {"event": order.event.title}


def _cancelled(email, order, context, now):
    return _("Your registration for %(event)s is cancelled") % {"event": order.event.title}


def _refunded(email, order, context, now):
    # Never confirmed: the payment came after its places went to someone else.
    context["paid_too_late"] = order.confirmed_at is None
    return _("Refund for %(event)s") % {"event": order.event.title}


def _payment_expired(email, order, context, now):
    return _("Your registration for %(event)s was not completed") % {"event": order.event.title}


def _offer(email, entry, context, now):
    if entry.status != entry.Status.OFFERED or entry.offer_expires_at is None or entry.offer_expires_at <= now:
        return None
    context["claim_url"] = claim_url(entry)
    context["entry_url"] = entry_url(entry)
    context["places"] = entry.offered_quantity
    return ngettext(
        "A place is free for you at %(event)s", "%(count)d places are free for you at %(event)s", entry.offered_quantity
    ) % {"event": entry.event.title, "count": entry.offered_quantity}


def _offer_expired(email, entry, context, now):
    return _("Your offer for %(event)s has expired") % {"event": entry.event.title}


def _event_cancelled(email, subject_of, context, now):
    # To a buyer (the order says whether the payment is refunded) or to a fan who was waiting (no order).
    context["refunded"] = isinstance(subject_of, Order) and subject_of.status == Order.Status.REFUNDED
    return _("Cancelled: %(event)s") % {"event": subject_of.event.title}


_ORDER_KINDS = {
    OutgoingEmail.Kind.CONFIRMATION: _confirmation,
    OutgoingEmail.Kind.REMINDER: _reminder,
    OutgoingEmail.Kind.PENDING_APPROVAL: _pending_approval,
    OutgoingEmail.Kind.APPROVED: _approved,
    OutgoingEmail.Kind.DECLINED: _declined,
    OutgoingEmail.Kind.CANCELLED: _cancelled,
    OutgoingEmail.Kind.REFUNDED: _refunded,
    OutgoingEmail.Kind.PAYMENT_EXPIRED: _payment_expired,
    OutgoingEmail.Kind.EVENT_CANCELLED: _event_cancelled,
}
_ENTRY_KINDS = {
    OutgoingEmail.Kind.OFFER: _offer,
    OutgoingEmail.Kind.OFFER_EXPIRED: _offer_expired,
    OutgoingEmail.Kind.EVENT_CANCELLED: _event_cancelled,
}
# The messages that carry the tickets' QR codes, and the one that also carries the calendar file.
_WITH_TICKETS = {OutgoingEmail.Kind.CONFIRMATION, OutgoingEmail.Kind.REMINDER}
_WITH_ICS = {OutgoingEmail.Kind.CONFIRMATION}


def build_message(email: OutgoingEmail, *, now: dt.datetime | None = None) -> RegistrationMessage | None:
    """The e-mail for a recorded row as things stand now, or None when it is no longer true."""
    now = now or timezone.now()
    if email.order_id is not None:
        subject_of, handler = email.order, _ORDER_KINDS[email.kind]
        recipient, name = email.order.buyer_email, email.order.buyer_name
    else:
        subject_of, handler = email.entry, _ENTRY_KINDS[email.kind]
        recipient, name = email.entry.email, email.entry.name
    event = subject_of.event
    context = {
        "kind": email.kind,
        "event": event,
        "community": event.community,
        "name": name,
        "event_url": settings.SITE_URL + event.get_absolute_url(),
        "community_url": settings.SITE_URL + event.community.get_absolute_url(),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    if email.order_id is not None:
        context["order"] = subject_of
        context["order_url"] = order_page_url(subject_of)
    else:
        context["entry"] = subject_of
    language = subject_of.language
    with translation.override(language), timezone.override(event.tz):
        subject = handler(email, subject_of, context, now)
        if subject is None:
            return None
        if email.kind in _WITH_TICKETS:
            for ticket in context["tickets"]:
                ticket.qr_cid = ticket_cid(ticket)
        context["subject"] = subject
        text = render_to_string(f"emails/attendees/{email.kind}.txt", context)
        html = _INLINER.inline(render_to_string(f"emails/attendees/{email.kind}.html", context))
        ics = event_ics(event=event) if email.kind in _WITH_ICS else None
    message = RegistrationMessage(
        subject=f"[{event.community.name}] {subject}",
        body=text,
        from_email=_sender(event),
        to=[recipient],
        headers={"Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    for ticket in context.get("tickets", []) if email.kind in _WITH_TICKETS else []:
        message.attach_inline_image(
            cid=ticket_cid(ticket), content=qr.qr_png(ticket.secret), filename=f"ticket-{ticket.pk}.png"
        )
    if ics is not None:
        message.attach(f"{event.slug}.ics", ics, "text/calendar")
    return message
