"""People across a community's events: linking tickets to fans, their counters, tags, notes, flags, and erasure.

A fan is one person as a community knows them: their tickets are linked by account, else by lower-cased holder
e-mail; orders they bought and waiting lists they joined count as theirs by e-mail. Linking and counting happen
after commit in tasks: new orders in batches (order_placed, cheap on the hot path), orders that leave or enter
the holding statuses one by one (order_changed), the door's check-ins by ticket; the sweep links what a lost
task left behind and recounts no-shows once events have ended.

The caller has checked that `by` organises the fan's community (attendees.access_fans); `by` goes to the log.
"""

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attendees import folding
from attendees.models import Answer, Fan, Order, OutgoingEmail, Tag, Ticket, WaitingListEntry
from attendees.services.errors import RegistrationError
from events.services.errors import DomainError

logger = logging.getLogger(__name__)

CHUNK = 500  # ids per IN (...) clause: well under SQLite's limit on query parameters
NOTE_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 1000
TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length
ERASED_NAME = "—"
# Someone who came to this many events or more is a regular on the people page.
REGULAR_MIN_EVENTS = 3
LINK_SCHEDULED_KEY = "attendees:fans:link-scheduled"
LINK_DELAY = dt.timedelta(seconds=2)  # orders placed meanwhile are linked in the same run
LINK_KEY_TIMEOUT = 60
LINK_BATCH = 1000
LINK_MAX_RUNS = 20
ATTENDANCE_SCHEDULED_KEY = "attendees:fans:attendance-scheduled"
ATTENDANCE_DELAY = dt.timedelta(seconds=10)  # the door's scans meanwhile are recounted in the same run
# How far before its scheduling a run looks back: longer than any check-in's transaction (a batch of offline
# scans included), whose rows carry the time they started, not the time they committed.
ATTENDANCE_MARGIN = dt.timedelta(minutes=5)


class FanError(DomainError):
    """A refusal of a fan service. Codes: tag_invalid, note_too_long, reason_required, reason_too_long,
    already_erased, erased."""


def fold(text: str) -> str:
    """`text` as the people search compares it (attendees.folding), runs of spaces made one ("Zoé" -> "zoe")."""
    return " ".join(folding.fold(text or "").split())


def _search_text(fan: Fan) -> str:
    return fold(f"{fan.name} {fan.email}")[: Fan._meta.get_field("search_text").max_length]


def _chunks(ids: Iterable[int]):
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


# Registering -------------------------------------------------------------------------------------------------


def email_digest(*, community_id: int, email: str) -> str:
    """The fingerprint an erased flagged fan keeps of their e-mail address: SHA-256 of the community and the
    address, lower-cased. Not the address, and the same for the same address, so the flag still refuses it."""
    return hashlib.sha256(f"{community_id}:{email.strip().lower()}".encode()).hexdigest()


def is_flagged(*, community_id: int, emails: list[str], user=None) -> bool:
    """Whether the community's organisers flagged anyone with one of these e-mail addresses (cleaned: lower case)
    or this account, erased flagged fans included (by their address's fingerprint). One query."""
    emails = set(emails)
    digests = {email_digest(community_id=community_id, email=email) for email in emails}
    match = Q(email__in=emails) | Q(flagged_email_digest__in=digests)
    user_id = user.pk if user is not None and user.is_authenticated else None
    if user_id:
        match |= Q(user_id=user_id)
    return Fan.objects.filter(match, community_id=community_id, flagged=True).exists()


def check_not_flagged(*, community_id: int, emails: list[str], user=None, field: str | None = None) -> None:
    """Refuse a registration (or a place on a waiting list) for anyone the community's organisers have flagged,
    matched by account or by e-mail (see is_flagged). One query; raises RegistrationError("flagged")."""
    if is_flagged(community_id=community_id, emails=emails, user=user):
        raise RegistrationError(
            "flagged",
            _("Registrations for this community's events are closed to this person. If you think this is a "
              "mistake, please contact the organisers."),
            field=field,
        )  # fmt: skip


def order_placed() -> None:
    """An order was placed: its tickets get linked to fans after commit, in a batch with the orders placed around
    the same time (attendees.tasks.link_new_fans). A sale burst pays for one cache write per order and one task
    every LINK_DELAY per web process, instead of a task (a separate commit, then the worker's queries) per order."""
    transaction.on_commit(_schedule_linking)


def _schedule_linking() -> None:
    from attendees import tasks  # tasks import the services

    # The task deletes the key before it looks for unlinked tickets, so an order committed after that look
    # schedules the next run; if the task is lost, the key expires and the sweep links what is left.
    if cache.add(LINK_SCHEDULED_KEY, 1, timeout=LINK_KEY_TIMEOUT):
        task = tasks.link_new_fans
        if task.get_backend().supports_defer:
            task = task.using(run_after=timezone.now() + LINK_DELAY)
        task.enqueue()


def link_new_fans() -> int:
    """The batch behind order_placed: link every ticket not linked yet (a few thousand orders a run, repeated
    while some are left, boundedly). Returns how many orders were linked."""
    cache.delete(LINK_SCHEDULED_KEY)
    linked = 0
    for _run in range(LINK_MAX_RUNS):
        done = link_unlinked(limit=LINK_BATCH)
        linked += done
        if done < LINK_BATCH:
            break
    return linked


def order_changed(*, order_id: int) -> None:
    """An order entered or left the holding statuses (cancelled, refunded, expired...): recount its fans after
    commit."""
    from attendees import tasks  # tasks import the services

    tasks.enqueue_on_commit(tasks.sync_order_fans, order_id=order_id)


def waiting_entry_changed(*, entry_id: int) -> None:
    from attendees import tasks

    tasks.enqueue_on_commit(tasks.sync_waiting_entry_fans, entry_id=entry_id)


# Linking -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    email: str
    name: str
    user_id: int | None


def _resolve(*, community_id: int, people: list[_Person]) -> dict[_Person, Fan]:
    """Each person's fan in the community, created when missing: by account first, else by e-mail.

    People come oldest first, so a fan's name ends as the latest one given. A fan found by e-mail gets the
    account when no other fan of the community has it yet. Safe against a concurrent run (unique e-mail)."""
    emails = {p.email for p in people}
    user_ids = {p.user_id for p in people if p.user_id}
    match = Q(email__in=emails) | Q(user_id__in=user_ids) if user_ids else Q(email__in=emails)
    fans = list(Fan.objects.filter(match, community_id=community_id).order_by("pk"))
    by_email = {f.email: f for f in fans}
    by_user = {}
    for fan in fans:
        if fan.user_id:
            by_user.setdefault(fan.user_id, fan)
    missing = {}
    for person in people:
        if person.user_id in by_user or person.email in by_email:
            continue
        fan = missing.get(person.email) or Fan(community_id=community_id, email=person.email)
        fan.name = person.name
        if person.user_id and fan.user_id is None:
            fan.user_id = person.user_id
        fan.search_text = _search_text(fan)
        missing[person.email] = fan
    if missing:
        Fan.objects.bulk_create(missing.values(), ignore_conflicts=True)
        for fan in Fan.objects.filter(community_id=community_id, email__in=missing).order_by("pk"):
            by_email[fan.email] = fan
            if fan.user_id:
                by_user.setdefault(fan.user_id, fan)
    changed = {}
    resolved = {}
    for person in people:
        fan = by_user.get(person.user_id) if person.user_id else None
        if fan is None:
            fan = by_email[person.email]
            if person.user_id and fan.user_id is None:
                fan.user_id = person.user_id
                by_user[person.user_id] = fan
                changed[fan.pk] = fan
        if person.name and fan.name != person.name and fan.erased_at is None:
            fan.name = person.name
            changed[fan.pk] = fan
        resolved[person] = fan
    for fan in changed.values():
        fan.search_text = _search_text(fan)
    if changed:
        Fan.objects.bulk_update(changed.values(), ["user", "name", "search_text"])
    return resolved


def sync_orders(*, order_ids: Iterable[int], now: dt.datetime | None = None) -> set[int]:
    """Link the orders' tickets (and buyers) to fans, then recount those fans; returns their ids. Running it
    again changes nothing."""
    fan_ids = set()
    for chunk in _chunks(order_ids):
        orders = list(
            Order.objects.filter(pk__in=chunk)
            .order_by("created_at", "pk")
            .values_list("pk", "event__community_id", "buyer_email", "buyer_name", "user_id")
        )
        if not orders:
            continue
        tickets = list(
            Ticket.objects.filter(order_id__in=chunk).order_by("pk").values_list("pk", "order_id", "holder_email",
                                                                                   "holder_name", "fan_id")
        )  # fmt: skip
        by_order = defaultdict(list)
        for ticket in tickets:
            by_order[ticket[1]].append(ticket)
        people_of = defaultdict(list)  # community -> people, oldest first
        wanted = []  # (ticket id, current fan id, community, person)
        for order_id, community_id, buyer_email, buyer_name, user_id in orders:
            buyer_email = buyer_email.lower()
            people_of[community_id].append(_Person(buyer_email, buyer_name, user_id))
            for ticket_id, _order, holder_email, holder_name, current in by_order[order_id]:
                holder_email = holder_email.lower()
                person = _Person(holder_email, holder_name, user_id if holder_email == buyer_email else None)
                people_of[community_id].append(person)
                wanted.append((ticket_id, current, community_id, person))
        resolved = {}
        for community_id, people in people_of.items():
            found = _resolve(community_id=community_id, people=people)
            resolved.update({(community_id, p): f for p, f in found.items()})
            fan_ids.update(f.pk for f in found.values())
        relink = [
            Ticket(pk=ticket_id, fan_id=resolved[(community_id, person)].pk)
            for ticket_id, current, community_id, person in wanted
            if current != resolved[(community_id, person)].pk
        ]
        if relink:
            Ticket.objects.bulk_update(relink, ["fan"], batch_size=CHUNK)
        # A fan the tickets left (a holder's e-mail corrected, say) needs recounting too.
        fan_ids.update(current for _t, current, _c, _p in wanted if current)
    recount_fans(fan_ids=fan_ids, now=now)
    return fan_ids


def sync_waiting_entries(*, entry_ids: Iterable[int], now: dt.datetime | None = None) -> set[int]:
    """Make sure the people on these waiting-list entries are fans of the community, then recount them."""
    fan_ids = set()
    for chunk in _chunks(entry_ids):
        entries = WaitingListEntry.objects.filter(pk__in=chunk).order_by("created_at", "pk")
        people_of = defaultdict(list)
        for community_id, email, name, user_id in entries.values_list("event__community_id", "email", "name",
                                                                      "user_id"):  # fmt: skip
            people_of[community_id].append(_Person(email.lower(), name, user_id))
        for community_id, people in people_of.items():
            fan_ids.update(f.pk for f in _resolve(community_id=community_id, people=people).values())
    recount_fans(fan_ids=fan_ids, now=now)
    return fan_ids


def attach_user(*, user, emails: list[str]) -> int:
    """A person signed in (or confirmed an address): their fans found by these verified e-mail addresses take the
    account, in each community where the account has no fan yet, so later orders match by account. Returns how
    many fans took it."""
    taken = Fan.objects.filter(user=user).values_list("community_id", flat=True)
    return (
        Fan.objects.filter(email__in=[e.lower() for e in emails], user__isnull=True, erased_at__isnull=True)
        .exclude(community_id__in=taken)
        .update(user=user)
    )


def link_unlinked(*, limit: int = 5000) -> int:
    """The sweep's safety net, and the first run on existing data: link tickets no task linked yet (at most
    `limit` orders a run). Returns how many orders were synced."""
    order_ids = list(
        Ticket.objects.filter(fan__isnull=True)
        .values_list("order_id", flat=True)
        .distinct()
        .order_by("order_id")[:limit]
    )
    sync_orders(order_ids=order_ids)
    return len(order_ids)


def link_community(*, community_id: int) -> int:
    """Link every order and waiting-list entry of the community to fans and recount them all (the management
    command, for data from before fans existed). Returns the number of fans."""
    order_ids = Order.objects.filter(event__community_id=community_id).values_list("pk", flat=True)
    sync_orders(order_ids=list(order_ids))
    entry_ids = WaitingListEntry.objects.filter(event__community_id=community_id).values_list("pk", flat=True)
    sync_waiting_entries(entry_ids=list(entry_ids))
    recount_community(community_id=community_id)
    return Fan.objects.filter(community_id=community_id).count()


# Counting ----------------------------------------------------------------------------------------------------

_COUNTED = ["events_registered", "events_attended", "no_shows", "first_seen_at", "last_seen_at",
            "marketing_consent", "marketing_consent_at"]  # fmt: skip


def recount_fans(*, fan_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Count each fan's events again from the rows, and save the fans whose numbers changed; returns how many.

    Registered: events where they hold a live ticket (confirmed, or waiting for approval or payment) or were let
    in. Attended: events where one of their tickets was let in. No-shows: events that have ended where they held a
    confirmed ticket and none of theirs was let in. Seen: their orders, waiting-list entries and check-ins.
    Consent: the latest order they bought, with its time. Four queries per chunk of fans."""
    now = now or timezone.now()
    changed = 0
    for chunk in _chunks(fan_ids):
        fans = {f.pk: f for f in Fan.objects.filter(pk__in=chunk)}
        if not fans:
            continue
        registered, attended, held = defaultdict(set), defaultdict(set), defaultdict(set)
        seen = defaultdict(list)
        ticket_rows = Ticket.objects.filter(fan_id__in=fans).values_list(
            "fan_id", "order__event_id", "order__event__end", "order__status", "status", "checked_in_at",
            "order__created_at",
        )  # fmt: skip
        for fan_id, event_id, end, order_status, status, checked_in_at, ordered_at in ticket_rows:
            live = status == Ticket.Status.VALID and order_status in Order.HOLDING
            if live or checked_in_at:
                registered[fan_id].add(event_id)
            if checked_in_at:
                attended[fan_id].add(event_id)
                seen[fan_id].append(checked_in_at)
            if status == Ticket.Status.VALID and order_status == Order.Status.CONFIRMED and end < now:
                held[fan_id].add(event_id)
            seen[fan_id].append(ordered_at)
        consent = {}
        by_community = defaultdict(dict)
        for fan in fans.values():
            by_community[fan.community_id][fan.email] = fan.pk
        for community_id, email_to_fan in by_community.items():
            orders = (
                Order.objects.filter(event__community_id=community_id, buyer_email__in=email_to_fan)
                .order_by("created_at", "pk")
                .values_list("buyer_email", "created_at", "marketing_consent", "marketing_consent_at")
            )
            for email, created_at, consented, consented_at in orders:
                fan_id = email_to_fan[email]
                seen[fan_id].append(created_at)
                consent[fan_id] = (consented, consented_at if consented else None)  # the latest wins
            entries = WaitingListEntry.objects.filter(
                event__community_id=community_id, email__in=email_to_fan
            ).values_list("email", "created_at")
            for email, created_at in entries:
                seen[email_to_fan[email]].append(created_at)
        dirty = []
        for fan_id, fan in fans.items():
            values = {
                "events_registered": len(registered[fan_id]),
                "events_attended": len(attended[fan_id]),
                "no_shows": len(held[fan_id] - attended[fan_id]),
                "first_seen_at": min(seen[fan_id], default=None),
                "last_seen_at": max(seen[fan_id], default=None),
                "marketing_consent": consent.get(fan_id, (False, None))[0],
                "marketing_consent_at": consent.get(fan_id, (False, None))[1],
            }
            if any(getattr(fan, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(fan, name, value)
                dirty.append(fan)
        if dirty:
            Fan.objects.bulk_update(dirty, _COUNTED, batch_size=CHUNK)
            changed += len(dirty)
    return changed


def recount_community(*, community_id: int, now: dt.datetime | None = None) -> int:
    return recount_fans(fan_ids=Fan.objects.filter(community_id=community_id).values_list("pk", flat=True), now=now)


def recount_ticket_fans(*, ticket_ids: Iterable[int]) -> int:
    """After the door let someone in (or undid it): recount the fans of these tickets."""
    fan_ids = set()
    for chunk in _chunks(ticket_ids):
        fan_ids.update(Ticket.objects.filter(pk__in=chunk, fan__isnull=False).values_list("fan_id", flat=True))
    return recount_fans(fan_ids=fan_ids)


def attendance_changed(*, ticket_ids: list[int]) -> None:
    """The door's check-ins (or undos) of these tickets have committed: recount their fans.

    With a task backend that can wait (the database one), a door's stream of scans schedules one task every
    ATTENDANCE_DELAY (per cache: per web process with the local-memory cache), which recounts the fans of every
    ticket whose check-ins changed since shortly before it was scheduled: no task row (and its commit) per scan.
    A check-in that finds the key set committed before that task runs, and after the time it looks back to.
    Otherwise (the immediate backend of the tests) the fans are recounted at once.
    """
    from attendees import tasks  # tasks import the services

    task = tasks.recount_attendance_since
    if not task.get_backend().supports_defer:
        tasks.recount_ticket_fans.enqueue(ticket_ids=sorted(ticket_ids))
        return
    now = timezone.now()
    if cache.add(ATTENDANCE_SCHEDULED_KEY, 1, timeout=ATTENDANCE_DELAY.total_seconds()):
        task.using(run_after=now + ATTENDANCE_DELAY).enqueue(since=(now - ATTENDANCE_MARGIN).isoformat())


def recount_attendance_since(*, since: dt.datetime) -> int:
    """Recount the fans of the tickets whose check-ins were made or undone since `since` (attendance_changed).
    The check-ins are found by the reverse relation's name: attendees does not import the door's app."""
    changed = Ticket.objects.filter(Q(checkins__created_at__gte=since) | Q(checkins__undone_at__gte=since))
    return recount_ticket_fans(ticket_ids=set(changed.filter(fan__isnull=False).values_list("pk", flat=True)))


def recount_after_events_ended(*, since: dt.datetime, now: dt.datetime | None = None) -> int:
    """No-shows exist only once an event has ended: recount the fans of events that ended in (since, now]. Only
    changed fans are written, so the sweep can run this over a generous window every time."""
    now = now or timezone.now()
    fan_ids = (
        Ticket.objects.filter(order__event__end__gt=since, order__event__end__lte=now, fan__isnull=False)
        .values_list("fan_id", flat=True)
        .distinct()
    )
    return recount_fans(fan_ids=list(fan_ids), now=now)


# What organisers do ------------------------------------------------------------------------------------------


def clean_tag_name(value) -> str:
    name = " ".join(value.split()) if isinstance(value, str) else ""
    if not name:
        raise FanError("tag_invalid", _("Give the tag a name."), field="tag")
    if len(name) > TAG_MAX_LENGTH:
        raise FanError("tag_invalid", _("A tag has at most %(max)d characters.") % {"max": TAG_MAX_LENGTH}, field="tag")
    return name


@dataclass(frozen=True)
class Tagging:
    """What tag_fans did: the tag (found or created) and how many fans got it now (others had it already)."""

    tag: Tag
    tagged: int
    already: int


def tag_fans(*, community, fan_ids: Iterable[int], tag_name: str, by) -> Tagging:
    """Put the tag named `tag_name` (created if the community has none of that name, whatever its case) on the
    community's fans among `fan_ids`; ids of other communities' fans and erased fans are ignored. `fan_ids` may
    be a list or a values_list queryset (the whole filtered list)."""
    name = clean_tag_name(tag_name)
    through = Fan.tags.through
    with transaction.atomic():
        tag = Tag.objects.filter(community=community, name__iexact=name).order_by("pk").first()
        if tag is None:
            tag, _created = Tag.objects.get_or_create(community=community, name=name)
        ids = _clean_ids(fan_ids)
        tagged = already = 0
        for chunk in _chunks(ids):
            fans = set(
                Fan.objects.filter(community=community, pk__in=chunk, erased_at__isnull=True).values_list(
                    "pk", flat=True
                )
            )
            having = set(through.objects.filter(tag=tag, fan_id__in=fans).values_list("fan_id", flat=True))
            through.objects.bulk_create([through(fan_id=f, tag_id=tag.pk) for f in sorted(fans - having)],
                                        ignore_conflicts=True)  # fmt: skip
            tagged += len(fans - having)
            already += len(having)
    logger.info("Tag %s put on %d fans by user %s", tag.pk, tagged, getattr(by, "pk", None))
    return Tagging(tag=tag, tagged=tagged, already=already)


def _clean_ids(values) -> list[int]:
    """Whole positive ids from a list (of ids, of strings from a form, of fans) or a values_list queryset; anything
    else (None for a ticket not linked yet, junk) is left out."""
    ids = []
    for value in values:
        try:
            number = int(getattr(value, "pk", value))
        except (TypeError, ValueError):
            continue
        if 0 < number < 2**63:
            ids.append(number)
    return ids


def untag_fan(*, fan: Fan, tag_id: int, by) -> bool:
    """Take one tag off the fan; True if it was on."""
    removed, _detail = Fan.tags.through.objects.filter(fan_id=fan.pk, tag_id=tag_id).delete()
    logger.info("Tag %s taken off fan %s by user %s", tag_id, fan.pk, getattr(by, "pk", None))
    return bool(removed)


def _check_not_erased(fan: Fan) -> None:
    if fan.erased_at is not None:
        raise FanError("erased", _("This person's data was erased: there is nothing left to change."))


def set_note(*, fan: Fan, note: str, by) -> Fan:
    note = note.strip() if isinstance(note, str) else ""
    if len(note) > NOTE_MAX_LENGTH:
        raise FanError(
            "note_too_long", _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX_LENGTH}, field="note"
        )
    with transaction.atomic():
        fan = Fan.objects.select_for_update().get(pk=fan.pk)
        _check_not_erased(fan)
        fan.note = note
        fan.save(update_fields=["note"])
    logger.info("Note of fan %s changed by user %s", fan.pk, getattr(by, "pk", None))
    return fan


def flag_fan(*, fan: Fan, reason: str, by) -> Fan:
    """Flag the fan (a code-of-conduct incident, say): new registrations for the community are refused and the
    door shows the flag. The reason is required: the next organiser (and the door) needs to know why."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise FanError("reason_required", _("Say why: the other organisers and the door will see it."),
                       field="reason")  # fmt: skip
    if len(reason) > REASON_MAX_LENGTH:
        raise FanError(
            "reason_too_long",
            _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX_LENGTH},
            field="reason",
        )
    with transaction.atomic():
        fan = Fan.objects.select_for_update().get(pk=fan.pk)
        _check_not_erased(fan)
        fan.flagged = True
        fan.flag_reason = reason
        fan.flagged_at = timezone.now()
        fan.flagged_by = by if by is not None and by.is_authenticated else None
        fan.save(update_fields=["flagged", "flag_reason", "flagged_at", "flagged_by"])
    logger.info("Fan %s flagged by user %s", fan.pk, getattr(by, "pk", None))
    return fan


def unflag_fan(*, fan: Fan, by) -> Fan:
    with transaction.atomic():
        fan = Fan.objects.select_for_update().get(pk=fan.pk)
        fan.flagged = False
        fan.flag_reason = ""
        fan.flagged_at = None
        fan.flagged_by = None
        fan.flagged_email_digest = ""
        fan.save(update_fields=["flagged", "flag_reason", "flagged_at", "flagged_by", "flagged_email_digest"])
    logger.info("Fan %s unflagged by user %s", fan.pk, getattr(by, "pk", None))
    return fan


# Erasure -----------------------------------------------------------------------------------------------------


def erased_email(fan: Fan) -> str:
    """What replaces the person's e-mail everywhere: unique to the fan (their history still adds up), reaches
    nobody (.invalid is reserved), names nothing."""
    return f"erased-{fan.pk}@erased.invalid"


def erase_fan(*, fan: Fan, by=None, on_request_of_fan: bool = False) -> Fan:
    """Anonymise the person in every event of the community, for good: names and e-mails on their orders,
    tickets and waiting-list entries, their answers, the organisers' note, tags and flag reason. Tickets keep
    their status and the counters stay right (the history is still theirs, under the replacement address).
    Messages not sent yet are dropped. Recorded on the fan: when, and who asked (the fan, or `by`)."""
    now = timezone.now()
    with transaction.atomic():
        fan = Fan.objects.select_for_update().get(pk=fan.pk)
        if fan.erased_at is not None:
            raise FanError("already_erased", _("This person's data was already erased."))
        placeholder = erased_email(fan)
        in_community = Q(event__community_id=fan.community_id)
        mine = (
            Q(buyer_email__iexact=fan.email) | Q(user_id=fan.user_id)
            if fan.user_id
            else Q(buyer_email__iexact=fan.email)
        )
        order_ids = list(Order.objects.filter(in_community, mine).values_list("pk", flat=True))
        ticket_ids = list(
            Ticket.objects.filter(
                Q(fan=fan) | Q(order__event__community_id=fan.community_id, holder_email__iexact=fan.email)
            ).values_list("pk", flat=True)
        )
        waiting = Q(email__iexact=fan.email) | Q(user_id=fan.user_id) if fan.user_id else Q(email__iexact=fan.email)
        entry_ids = list(WaitingListEntry.objects.filter(in_community, waiting).values_list("pk", flat=True))
        for chunk in _chunks(ticket_ids):
            Ticket.objects.filter(pk__in=chunk).update(holder_name=ERASED_NAME, holder_email=placeholder, fan=fan)
            Answer.objects.filter(ticket_id__in=chunk).update(value="")
        for chunk in _chunks(order_ids):
            Order.objects.filter(pk__in=chunk).update(
                buyer_name=ERASED_NAME,
                buyer_email=placeholder,
                user=None,
                stripe_checkout_url="",
                marketing_consent=False,  # nobody left to send news to: no consent on record either
                marketing_consent_at=None,
                updated_at=now,
            )
            Answer.objects.filter(order_id__in=chunk, ticket__isnull=True).update(value="")
            OutgoingEmail.objects.filter(order_id__in=chunk, status=OutgoingEmail.Status.PENDING).update(
                status=OutgoingEmail.Status.SKIPPED
            )
        for chunk in _chunks(entry_ids):
            WaitingListEntry.objects.filter(pk__in=chunk).update(
                name=ERASED_NAME, email=placeholder, user=None, updated_at=now
            )
            OutgoingEmail.objects.filter(entry_id__in=chunk, status=OutgoingEmail.Status.PENDING).update(
                status=OutgoingEmail.Status.SKIPPED
            )
        fan.tags.clear()
        if fan.flagged:  # the flag stays, and keeps refusing the address it was given for
            fan.flagged_email_digest = email_digest(community_id=fan.community_id, email=fan.email)
        fan.email = placeholder
        fan.name = ERASED_NAME
        fan.user = None
        fan.note = ""
        fan.flag_reason = ""
        fan.search_text = ""
        fan.erased_at = now
        fan.erased_by = by if by is not None and by.is_authenticated and not on_request_of_fan else None
        fan.erased_on_request_of_fan = on_request_of_fan
        fan.save()
        recount_fans(fan_ids=[fan.pk], now=now)
    logger.info("Fan %s erased (on request of the fan: %s) by user %s", fan.pk, on_request_of_fan,
                getattr(by, "pk", None))  # fmt: skip
    return Fan.objects.get(pk=fan.pk)
