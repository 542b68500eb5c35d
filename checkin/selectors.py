"""Reads of the door: the answer to a scan, the counters, the door list for offline use, and the search.

Each is shaped for a fixed number of queries whatever the number of tickets (see tests/checkin).
"""

import datetime as dt
import hashlib
import re
import unicodedata
from collections import defaultdict

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext

from attendees.folding import fold
from attendees.models import Answer, Fan, Order, Question, Ticket
from checkin.models import CheckIn, Door
from checkin.services.rules import history_cue, local_time, sentence, templates, ticket_refusal, volunteer_label

Reason = CheckIn.Reason
Kind = CheckIn.Kind

SEARCH_MIN_LENGTH = 3
SEARCH_MAX_LENGTH = 100
SEARCH_MAX_RESULTS = 20
# The door list is kept on the devices until this long after the event's end, then wiped.
LIST_KEPT_AFTER_END = dt.timedelta(hours=12)


# --- the answer to a scan ---------------------------------------------------------------------------------------


def first_name(holder_name: str) -> str:
    """What the volunteer calls out: "Camille" for "Camille Martin"."""
    parts = holder_name.split()
    return parts[0] if parts else holder_name


def scan_message(checkin: CheckIn, *, door: Door) -> str:
    """The sentence the volunteer reads for this scan, in the active language."""
    ticket = checkin.ticket
    name = first_name(ticket.holder_name) if ticket else ""
    if checkin.successful:
        if checkin.kind == Kind.EXIT:
            return sentence("exit", name=name)
        key = "conflict" if checkin.conflict else "welcome"
        return sentence(key, name=name, ticket_type=ticket.ticket_type.name)
    reason = checkin.reason
    if reason == Reason.ALREADY_CHECKED_IN and checkin.previous is not None:
        previous = checkin.previous
        when = local_time(previous.scanned_at, door.event)
        who = volunteer_label(previous.volunteer)
        if not who:
            return sentence("already_checked_in_nobody", time=when, door=door.name)
        return sentence(reason, time=when, who=who, door=door.name)
    if reason in (Reason.NOT_INSIDE, Reason.FLAGGED):
        return sentence(reason, name=name, door=door.name)
    if reason == Reason.WRONG_DOOR:
        return sentence(reason, ticket_type=ticket.ticket_type.name, door=door.name)
    if reason == Reason.ALREADY_CHECKED_IN:  # the admission it ran into was deleted since
        return str(Reason.ALREADY_CHECKED_IN.label)
    return sentence(reason)


def scan_answer(checkin: CheckIn, *, door: Door, extras: bool = True) -> dict:
    """The JSON answer to a scan (docs/door-protocol.md); `extras`: the green answer's answers, history and note."""
    ticket = checkin.ticket
    answer = {
        "ok": checkin.successful,
        "reason": checkin.reason,
        "message": scan_message(checkin, door=door),
        "checkin": checkin.pk,
        "kind": checkin.kind,
        "conflict": checkin.conflict,
        "ticket": ticket.pk if ticket else None,
        "holder": ticket.holder_name if ticket else "",
        "ticket_type": ticket.ticket_type.name if ticket else "",
        "answers": [],
        "history": "",
        "note": "",
    }
    if extras and ticket is not None and checkin.successful and checkin.kind == Kind.ENTRY:
        # The scan service loads what it can with the ticket (`door_questions`, `earlier_events`, `fan_note`);
        # a repeated scan's ticket comes without them and is read here.
        if getattr(ticket, "door_questions", True):
            answer["answers"] = door_answers(ticket=ticket)
        if hasattr(ticket, "earlier_events"):
            answer["history"] = history_cue((ticket.earlier_events or 0) + 1)
        else:
            answer["history"] = history_for(ticket=ticket, event=door.event)
        answer["note"] = _note_for(ticket=ticket, event=door.event)
    return answer


def _answer_text(answer: Answer) -> str:
    if answer.question.kind == Question.Kind.REQUIRED_CHECKBOX:
        return gettext("Yes") if answer.value else ""
    return ", ".join(answer.values)


def door_answers(*, ticket: Ticket) -> list[dict]:
    """The holder's answers to the questions shown at the door: their own, and their order's."""
    answers = (
        Answer.objects.filter(order_id=ticket.order_id, question__show_at_door=True)
        .filter(Q(ticket_id=ticket.pk) | Q(ticket__isnull=True))
        .select_related("question")
    )
    return [{"label": a.question.label, "value": text} for a in answers if (text := _answer_text(a))]


def _fan_match(*, ticket: Ticket) -> Q:
    # Lower-cased on both sides, as the index on the tickets' lower-cased e-mail has it.
    query = Q(holder_email_lower=ticket.holder_email.lower())
    if ticket.fan_id:
        query |= Q(fan_id=ticket.fan_id)
    return query


def history_for(*, ticket: Ticket, event) -> str:
    """ "First meetup", "5th meetup": earlier events of the community where this fan (same e-mail) was let in."""
    earlier = (
        Ticket.objects.alias(holder_email_lower=Lower("holder_email"))
        .filter(_fan_match(ticket=ticket))
        .filter(
            order__event__community_id=event.community_id,
            order__event__start__lt=event.start,
            checked_in_at__isnull=False,
        )
        .values("order__event_id")
        .distinct()
        .count()
    )
    return history_cue(earlier + 1)


def _note_for(*, ticket: Ticket, event) -> str:
    if hasattr(ticket, "fan_note"):  # loaded with the ticket by the scan service
        return ticket.fan_note or ""
    note = (
        Fan.objects.filter(community_id=event.community_id)
        .filter(Q(pk=ticket.fan_id) | Q(email=ticket.holder_email.lower()))
        .exclude(note="")
        .values_list("note", flat=True)
        .first()
    )
    return note or ""


# --- counters ---------------------------------------------------------------------------------------------------


def _admitted_at_door(door: Door) -> Q:
    """Tickets this door takes: every type, or the types it is limited to."""
    door_types = Door.ticket_types.through.objects.filter(door_id=door.pk)
    return ~Exists(door_types) | Exists(door_types.filter(tickettype_id=OuterRef("ticket_type_id")))


def expected_tickets(door: Door):
    """Valid tickets of confirmed orders of the door's event that the door admits."""
    return Ticket.objects.filter(
        _admitted_at_door(door),
        order__event_id=door.event_id,
        status=Ticket.Status.VALID,
        order__status=Order.Status.CONFIRMED,
    )


# --- the door list for offline decisions ------------------------------------------------------------------------


def door_list(*, door: Door) -> dict:
    """Everything a device needs to decide offline at this door, without e-mails or payment details: 5 queries
    (tickets, fans with a flag or a note, answers shown at the door, earlier admissions, the door's movements)."""
    event = door.event
    community_id = event.community_id
    tickets = list(
        Ticket.objects.filter(order__event_id=event.pk)
        .select_related("ticket_type")
        .annotate(type_admitted=_admitted_at_door(door))
        .only("pk", "secret", "holder_name", "holder_email", "status", "fan_id", "ticket_type__name", "order_id")
        .annotate(order_status=_order_status())
        .order_by("pk")
    )
    fans = {}
    for fan in (
        Fan.objects.filter(community_id=community_id)
        .filter(Q(flagged=True) | ~Q(note=""))
        .only("pk", "email", "flagged", "note")
    ):
        fans[("id", fan.pk)] = fan
        fans[("email", fan.email)] = fan
    answers = _door_answers_by_ticket(event)
    history = _history_by_person(event)
    movements = _movements(door)
    now = timezone.now()
    rows = []
    for ticket in tickets:
        email = ticket.holder_email.lower()
        linked = [f for f in (fans.get(("id", ticket.fan_id)), fans.get(("email", email))) if f is not None]
        state = ticket_refusal(
            ticket_status=ticket.status,
            order_status=ticket.order_status,
            type_admitted=ticket.type_admitted,
            flagged=any(f.flagged for f in linked),
        )
        if event.is_cancelled:
            state = Reason.EVENT_CANCELLED
        last = movements.get(ticket.pk)
        inside = last is not None and last.kind == Kind.ENTRY
        events_seen = history["email"].get(email, set()) | history["fan"].get(ticket.fan_id, set())
        rows.append(
            {
                "h": hashlib.sha256(ticket.secret.encode()).hexdigest(),
                "id": ticket.pk,
                "name": ticket.holder_name,
                "type": ticket.ticket_type.name,
                "state": state or "ok",
                "inside": inside,
                "checked_in_at": last.scanned_at.isoformat() if inside else None,
                "checked_in_time": local_time(last.scanned_at, event) if inside else "",
                "checked_in_by": volunteer_label(last.volunteer) if inside else "",
                "answers": answers.get(("ticket", ticket.pk), []) + answers.get(("order", ticket.order_id), []),
                "history": history_cue(len(events_seen) + 1),
                "note": next((f.note for f in linked if f.note), ""),
            }
        )
    expected = [t for t in tickets if t.type_admitted and t.status == Ticket.Status.VALID]
    return {
        "event": {
            "id": event.pk,
            "title": event.title,
            "time_zone": event.time_zone,
            "ends_at": event.end.isoformat(),
            "cancelled": event.is_cancelled,
        },
        "door": {"code": door.code, "name": door.name},
        "generated_at": now.isoformat(),
        "wipe_after": (event.end + LIST_KEPT_AFTER_END).isoformat(),
        "messages": templates(),
        "tickets": rows,
        "counts": {
            "inside": sum(1 for row in rows if row["inside"]),
            "checked_in": len(movements.ever_in),
            "expected": sum(1 for t in expected if t.order_status == Order.Status.CONFIRMED),
        },
    }


def _order_status():
    return F("order__status")


def _door_answers_by_ticket(event) -> dict:
    """{("ticket", id) or ("order", id): [{"label", "value"}]} for the questions shown at the door: one query."""
    found = defaultdict(list)
    answers = Answer.objects.filter(order__event_id=event.pk, question__show_at_door=True).select_related("question")
    for answer in answers:
        text = _answer_text(answer)
        if not text:
            continue
        key = ("ticket", answer.ticket_id) if answer.ticket_id else ("order", answer.order_id)
        found[key].append({"label": answer.question.label, "value": text})
    return found


def _history_by_person(event) -> dict:
    """Earlier events of the community each e-mail / fan was let in at: one query."""
    history = {"email": defaultdict(set), "fan": defaultdict(set)}
    earlier = Ticket.objects.filter(
        order__event__community_id=event.community_id,
        order__event__start__lt=event.start,
        checked_in_at__isnull=False,
    ).values_list("holder_email", "fan_id", "order__event_id")
    for email, fan_id, event_id in earlier:
        history["email"][email.lower()].add(event_id)
        if fan_id:
            history["fan"][fan_id].add(event_id)
    return history


class _Movements(dict):
    """{ticket id: latest standing movement at the door}, and `ever_in`: tickets with a standing entry."""

    ever_in: set


def _movements(door: Door) -> _Movements:
    latest = _Movements()
    latest.ever_in = set()
    standing = (
        CheckIn.objects.filter(door=door, successful=True, undone_at__isnull=True)
        .select_related("volunteer")
        .only(
            "pk",
            "ticket_id",
            "kind",
            "scanned_at",
            "volunteer__first_name",
            "volunteer__last_name",
            "volunteer__email",
            "volunteer__username",
        )
        .order_by("scanned_at", "pk")
    )
    for movement in standing:
        latest[movement.ticket_id] = movement
        if movement.kind == Kind.ENTRY:
            latest.ever_in.add(movement.ticket_id)
    return latest


# --- search -----------------------------------------------------------------------------------------------------


def _variants() -> dict[str, str]:
    """{folded letter: every character of Latin-1 and Latin Extended-A that folds to it, both cases}."""
    found = defaultdict(set)
    for code in range(0x20, 0x250):
        char = chr(code)
        folded = fold(char)
        if len(folded) == 1 and folded.isascii():
            found[folded].update({char, char.upper(), char.lower()})
    return {letter: "".join(sorted(chars)) for letter, chars in found.items()}


_VARIANTS = _variants()


def _pattern(folded_query: str) -> str:
    """A regular expression that matches the query whatever the accents: "elo" -> "[eEéÉèÈ...][lL][oOóÓ...]".

    The same syntax means the same thing to PostgreSQL's `~*` and to Python's `re` (Django's SQLite REGEXP).
    """
    parts = []
    for char in folded_query:
        chars = _VARIANTS.get(char)
        parts.append(f"[{chars}]" if chars and len(chars) > 1 else re.escape(char))
    return "".join(parts)


def search_tickets(*, door: Door, query: str) -> list[dict]:
    """Tickets of the door's event whose holder name or e-mail contains `query`, accents and case aside.

    Neither database folds accents on its own (PostgreSQL's unaccent is an extension, not installed by default),
    and Ticket belongs to attendees, so no folded column here: each letter of the query becomes the class of
    every character that folds to it, and the database filters the event's tickets (a few thousand at most)
    with that regular expression; Python then checks the candidates with the exact folding. Two queries.
    """
    # Control characters (NUL above all, which PostgreSQL refuses in text) never match a name: dropped.
    folded = "".join(c for c in fold(query.strip()) if unicodedata.category(c)[0] != "C")
    if len(folded) < SEARCH_MIN_LENGTH:
        return []
    folded = folded[:SEARCH_MAX_LENGTH]
    pattern = _pattern(folded)
    candidates = (
        Ticket.objects.filter(order__event_id=door.event_id)
        .filter(Q(holder_name__iregex=pattern) | Q(holder_email__iregex=pattern))
        .select_related("ticket_type")
        .annotate(type_admitted=_admitted_at_door(door), order_status=_order_status())
        .order_by("holder_name", "pk")[: SEARCH_MAX_RESULTS * 3]
    )
    found = [t for t in candidates if folded in fold(t.holder_name) or folded in fold(t.holder_email)]
    found = found[:SEARCH_MAX_RESULTS]
    flagged = _flagged_among(door=door, tickets=found)
    results = []
    for ticket in found:
        state = ticket_refusal(
            ticket_status=ticket.status,
            order_status=ticket.order_status,
            type_admitted=ticket.type_admitted,
            flagged=ticket.pk in flagged,
        )
        if door.event.is_cancelled:
            state = Reason.EVENT_CANCELLED
        results.append(
            {
                "ticket": ticket.pk,
                "name": ticket.holder_name,
                "type": ticket.ticket_type.name,
                "state": state or "ok",
                "checked_in_at": ticket.checked_in_at.isoformat() if ticket.checked_in_at else None,
            }
        )
    return results


def _flagged_among(*, door: Door, tickets: list[Ticket]) -> set[int]:
    if not tickets:
        return set()
    flagged = Fan.objects.filter(community_id=door.event.community_id, flagged=True).filter(
        Q(pk__in=[t.fan_id for t in tickets if t.fan_id]) | Q(email__in=[t.holder_email.lower() for t in tickets])
    )
    ids, emails = set(), set()
    for fan in flagged.only("pk", "email"):
        ids.add(fan.pk)
        emails.add(fan.email)
    return {t.pk for t in tickets if t.fan_id in ids or t.holder_email.lower() in emails}
