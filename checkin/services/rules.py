"""What a door says about a ticket: the rules that admit or refuse it, and the sentences the volunteer reads.

The scan service applies these to the ticket it decides on; the door list applies the same ones to every ticket of
the event, so a device offline decides as the server would.
"""

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext

from attendees.models import Order, Ticket
from checkin.models import CheckIn

Reason = CheckIn.Reason

# Orders whose tickets do not admit, and the reason the door gives. Confirmed orders admit.
_ORDER_REFUSALS = {
    Order.Status.PENDING_PAYMENT: Reason.PAYMENT_PENDING,
    Order.Status.PENDING_APPROVAL: Reason.APPROVAL_PENDING,
    Order.Status.REFUNDED: Reason.REFUNDED,
    Order.Status.CANCELLED: Reason.CANCELLED,
    Order.Status.EXPIRED: Reason.CANCELLED,
    Order.Status.DECLINED: Reason.CANCELLED,
}


def ticket_refusal(*, ticket_status: str, order_status: str, type_admitted: bool, flagged: bool) -> str:
    """The reason this door refuses an entry with this ticket, or "" when it admits it (the event is checked apart).

    `type_admitted`: the door takes every ticket type, or is limited to types that include this ticket's.
    """
    if ticket_status == Ticket.Status.CANCELLED:
        return Reason.CANCELLED
    if ticket_status == Ticket.Status.REFUNDED:
        return Reason.REFUNDED
    if order_status != Order.Status.CONFIRMED:
        return _ORDER_REFUSALS.get(order_status, Reason.CANCELLED)
    if not type_admitted:
        return Reason.WRONG_DOOR
    if flagged:
        return Reason.FLAGGED
    return ""


def volunteer_label(user) -> str:
    """Who let someone in, as the door shows it: the volunteer's name, else their e-mail address."""
    if user is None:
        return ""
    return user.get_full_name().strip() or user.email or user.get_username()


def local_time(moment, event) -> str:
    """A time of day in the event's time zone, as door staff say it: "19:03"."""
    return timezone.localtime(moment, event.tz).strftime("%H:%M")


# Every sentence of the door with its %(placeholders)s, marked for translation and translated when said.
_SENTENCES = {
    "welcome": gettext_noop("Welcome, %(name)s: %(ticket_type)s"),
    "conflict": gettext_noop("Welcome, %(name)s: %(ticket_type)s (also let in on another device while offline)"),
    "exit": gettext_noop("Goodbye, %(name)s: they can come back in"),
    "undone": gettext_noop("Check-in of %(name)s undone"),
    Reason.ALREADY_CHECKED_IN: gettext_noop("Already checked in at %(time)s by %(who)s at %(door)s"),
    "already_checked_in_nobody": gettext_noop("Already checked in at %(time)s at %(door)s"),
    Reason.NOT_INSIDE: gettext_noop("%(name)s is not inside: no entry at %(door)s to match this exit"),
    Reason.CANCELLED: gettext_noop("Ticket cancelled"),
    Reason.REFUNDED: gettext_noop("Ticket refunded"),
    Reason.PAYMENT_PENDING: gettext_noop("Payment pending: this order is not paid yet"),
    Reason.APPROVAL_PENDING: gettext_noop("Approval pending: the organisers have not approved this registration yet"),
    Reason.EVENT_CANCELLED: gettext_noop("This event is cancelled"),
    Reason.WRONG_EVENT: gettext_noop("This ticket is for another event"),
    Reason.WRONG_DOOR: gettext_noop("Wrong door: %(ticket_type)s tickets are not let in at %(door)s"),
    Reason.FLAGGED: gettext_noop("Flagged by the organisers: ask an organiser before letting %(name)s in"),
    Reason.UNKNOWN: gettext_noop("Unknown code: no ticket has this code"),
    Reason.INVALID: gettext_noop("Not a ticket code"),
    "rate_limited": gettext_noop("Too many unknown codes: wait a minute before scanning again"),
}


def templates() -> dict[str, str]:
    """Every sentence of the door with its %(placeholders)s, in the active language (the door list sends them)."""
    return {key: gettext(text) for key, text in _SENTENCES.items()}


def sentence(key: str, **values) -> str:
    """One door sentence in the active language, filled in."""
    return gettext(_SENTENCES[key]) % values


def history_cue(count: int) -> str:
    """ "First meetup", "2nd meetup"...: which meetup of the community this is for the fan (count >= 1)."""
    if count <= 1:
        return gettext("First meetup")
    # English ordinals hang on the last digits (21st, 22nd, 23rd but 11th, 12th, 13th); each ending is its own
    # string so every language can write its own form ("2e rencontre" in French whatever the ending).
    if count % 100 in (11, 12, 13):
        template = pgettext("meetup number ending in 11, 12 or 13", "%(count)sth meetup")
    elif count % 10 == 1:
        template = pgettext("meetup number ending in 1 (not 11)", "%(count)sst meetup")
    elif count % 10 == 2:
        template = pgettext("meetup number ending in 2 (not 12)", "%(count)snd meetup")
    elif count % 10 == 3:
        template = pgettext("meetup number ending in 3 (not 13)", "%(count)srd meetup")
    else:
        template = pgettext("meetup number ending in 0 or 4 to 9", "%(count)sth meetup")
    return template % {"count": count}
