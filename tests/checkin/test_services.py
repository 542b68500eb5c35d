"""The scan service: every refusal with its sentence, exits and re-entry, undo, nonces, offline conflicts."""

import datetime as dt
import secrets

import pytest
from django.db import connection
from django.utils import timezone

from attendees.models import Order, Ticket
from attendees.signals import attendance_changed
from checkin.errors import CheckInError
from checkin.models import CheckIn
from checkin.ratelimit import DoorLimiter
from checkin.selectors import scan_answer, scan_message
from checkin.services.checkins import ScanRequest, scan, sync_scans, undo
from events.models import Event
from tests.checkin.factories import CheckInFactory, DoorFactory, FanFactory, TicketFactory
from tests.factories import EventFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


def request(code=None, **fields) -> ScanRequest:
    fields.setdefault("device", "d-1")
    fields.setdefault("nonce", "n-" + secrets.token_hex(6))
    return ScanRequest(code=code, **fields)


def scan_code(door, volunteer, code, **fields) -> CheckIn:
    return scan(door=door, volunteer=volunteer, request=request(code, **fields))


def test_scan_valid_ticket_admits_records_and_sets_checked_in_at(door, volunteer, make_ticket):
    ticket = make_ticket()

    checkin = scan_code(door, volunteer, ticket.secret)

    assert (checkin.successful, checkin.reason, checkin.ticket, checkin.volunteer) == (True, "", ticket, volunteer)
    assert (checkin.door, checkin.event, checkin.device) == (door, door.event, "d-1")
    assert scan_message(checkin, door=door) == "Welcome, Camille: General admission"
    ticket.refresh_from_db()
    assert ticket.checked_in_at == checkin.scanned_at


def test_scan_twice_refuses_with_when_who_and_door_in_the_event_time_zone(door, volunteer, make_ticket):
    ticket = make_ticket()
    first = scan_code(door, volunteer, ticket.secret)
    CheckIn.objects.filter(pk=first.pk).update(scanned_at=dt.datetime(2026, 11, 21, 18, 3, tzinfo=dt.UTC))

    second = scan_code(door, None, ticket.secret, device="d-2")

    assert (second.successful, second.reason, second.previous_id) == (False, "already_checked_in", first.pk)
    # Europe/Paris is UTC+1 in November.
    assert scan_message(second, door=door) == "Already checked in at 19:03 by Alex at Main door"
    assert CheckIn.objects.filter(ticket=ticket).count() == 2


def test_already_checked_in_names_the_volunteer_by_e_mail_when_they_have_no_name(door, make_ticket):
    from tests.factories import UserFactory

    nameless = UserFactory(first_name="", last_name="", email="door@example.com")
    ticket = make_ticket()
    scan_code(door, nameless, ticket.secret)

    second = scan_code(door, nameless, ticket.secret)

    assert scan_message(second, door=door).endswith("by door@example.com at Main door")


def test_already_checked_in_by_a_volunteer_since_deleted_says_when_and_where(door, volunteer, make_ticket):
    gone = UserFactory(first_name="Sam")
    ticket = make_ticket()
    first = scan_code(door, gone, ticket.secret)
    CheckIn.objects.filter(pk=first.pk).update(scanned_at=dt.datetime(2026, 11, 21, 18, 3, tzinfo=dt.UTC))
    gone.delete()

    second = scan_code(door, volunteer, ticket.secret, device="d-2")

    assert (second.reason, second.previous_id) == ("already_checked_in", first.pk)
    assert scan_message(second, door=door) == "Already checked in at 19:03 at Main door"


@pytest.mark.parametrize(
    ("ticket_status", "order_status", "reason", "message"),
    [
        ("cancelled", "confirmed", "cancelled", "Ticket cancelled"),
        ("refunded", "confirmed", "refunded", "Ticket refunded"),
        ("valid", "refunded", "refunded", "Ticket refunded"),
        ("valid", "cancelled", "cancelled", "Ticket cancelled"),
        ("valid", "pending_payment", "payment_pending", "Payment pending: this order is not paid yet"),
        (
            "valid",
            "pending_approval",
            "approval_pending",
            "Approval pending: the organisers have not approved this registration yet",
        ),
    ],
)
def test_scan_refuses_tickets_that_do_not_admit(
    door, volunteer, make_ticket, ticket_status, order_status, reason, message
):
    ticket = make_ticket(status=ticket_status, order__status=order_status)

    checkin = scan_code(door, volunteer, ticket.secret)

    assert (checkin.successful, checkin.reason, checkin.ticket) == (False, reason, ticket)
    assert scan_message(checkin, door=door) == message
    ticket.refresh_from_db()
    assert ticket.checked_in_at is None


def test_scan_at_a_cancelled_event_refuses(door, volunteer, make_ticket):
    ticket = make_ticket()
    Event.objects.filter(pk=door.event_id).update(status=Event.Status.CANCELLED)
    door.event.refresh_from_db()

    checkin = scan_code(door, volunteer, ticket.secret)

    assert (checkin.successful, checkin.reason) == (False, "event_cancelled")
    assert scan_message(checkin, door=door) == "This event is cancelled"


def test_ticket_of_another_event_is_refused_without_naming_it(door, volunteer):
    other = TicketFactory()

    checkin = scan_code(door, volunteer, other.secret)

    assert (checkin.successful, checkin.reason, checkin.ticket, checkin.event) == (
        False,
        "wrong_event",
        None,
        door.event,
    )
    assert scan_message(checkin, door=door) == "This ticket is for another event"


def test_door_limited_to_ticket_types_refuses_the_others(door, volunteer, make_ticket, event):
    speakers = DoorFactory(event=event, name="Speakers")
    speaker_type = TicketTypeFactory(event=event, name="Speaker")
    speakers.ticket_types.add(speaker_type)
    general = make_ticket()
    speaker = make_ticket(ticket_type=speaker_type)

    refused = scan_code(speakers, volunteer, general.secret)
    admitted = scan_code(speakers, volunteer, speaker.secret)

    assert (refused.reason, admitted.successful) == ("wrong_door", True)
    assert scan_message(refused, door=speakers) == "Wrong door: General admission tickets are not let in at Speakers"


def test_flagged_fan_is_refused_by_e_mail_whatever_its_case(door, volunteer, make_ticket, community):
    FanFactory(community=community, email="camille@example.com", flagged=True)
    ticket = make_ticket(holder_email="Camille@Example.com")

    checkin = scan_code(door, volunteer, ticket.secret)

    assert (checkin.successful, checkin.reason) == (False, "flagged")
    assert scan_message(checkin, door=door) == "Flagged by the organisers: ask an organiser before letting Camille in"


def test_flagged_fan_is_refused_through_the_ticket_link(door, volunteer, make_ticket, community):
    fan = FanFactory(community=community, email="old@example.com", flagged=True)
    ticket = make_ticket(fan=fan)

    assert scan_code(door, volunteer, ticket.secret).reason == "flagged"


def test_fan_flagged_in_another_community_is_admitted(door, volunteer, make_ticket):
    from tests.factories import CommunityFactory

    FanFactory(community=CommunityFactory(), email="camille@example.com", flagged=True)
    ticket = make_ticket(holder_email="camille@example.com")

    assert scan_code(door, volunteer, ticket.secret).successful is True


@pytest.mark.parametrize(("code", "reason"), [("x" * 32, "unknown"), ("short", "invalid"), ("é" * 32, "invalid")])
def test_unknown_and_malformed_codes_are_recorded_refusals(door, volunteer, code, reason):
    checkin = scan_code(door, volunteer, code)

    assert (checkin.successful, checkin.reason, checkin.ticket) == (False, reason, None)
    assert CheckIn.objects.filter(door=door, reason=reason).count() == 1


def test_search_admission_by_ticket_id_and_other_events_ids_are_unknown(door, volunteer, make_ticket):
    ticket = make_ticket()
    other = TicketFactory()

    admitted = scan(door=door, volunteer=volunteer, request=request(ticket_id=ticket.pk, method="search"))
    refused = scan(door=door, volunteer=volunteer, request=request(ticket_id=other.pk, method="search"))

    assert (admitted.successful, admitted.method, admitted.ticket) == (True, "search", ticket)
    assert (refused.successful, refused.reason, refused.ticket) == (False, "unknown", None)


def test_exit_then_entry_again_and_exit_when_not_inside(door, volunteer, make_ticket):
    ticket = make_ticket()

    not_inside = scan_code(door, volunteer, ticket.secret, kind="exit")
    entry = scan_code(door, volunteer, ticket.secret)
    leaving = scan_code(door, volunteer, ticket.secret, kind="exit")
    back = scan_code(door, volunteer, ticket.secret)
    twice = scan_code(door, volunteer, ticket.secret)

    assert [(c.kind, c.successful, c.reason) for c in (not_inside, entry, leaving, back, twice)] == [
        ("exit", False, "not_inside"),
        ("entry", True, ""),
        ("exit", True, ""),
        ("entry", True, ""),
        ("entry", False, "already_checked_in"),
    ]
    assert scan_message(not_inside, door=door) == "Camille is not inside: no entry at Main door to match this exit"
    assert scan_message(leaving, door=door) == "Goodbye, Camille: they can come back in"
    assert twice.previous == back
    ticket.refresh_from_db()
    assert ticket.checked_in_at == entry.scanned_at  # the first admission stays the one


def test_one_admission_per_door_but_each_door_admits_once(door, volunteer, make_ticket, event):
    merch = DoorFactory(event=event, name="Merch desk")
    ticket = make_ticket()

    assert scan_code(door, volunteer, ticket.secret).successful is True
    assert scan_code(merch, volunteer, ticket.secret).successful is True
    assert scan_code(merch, volunteer, ticket.secret).reason == "already_checked_in"


def test_same_nonce_five_times_records_once_and_answers_the_same(door, volunteer, make_ticket):
    ticket = make_ticket()
    same = request(ticket.secret, nonce="n-same")

    answers = [scan(door=door, volunteer=volunteer, request=same) for _ in range(5)]

    assert CheckIn.objects.count() == 1
    assert {a.pk for a in answers} == {answers[0].pk}
    assert [(a.successful, a.reason) for a in answers] == [(True, "")] * 5
    assert [a.repeated for a in answers] == [False, True, True, True, True]


def test_same_nonce_of_a_refusal_repeats_the_refusal_sentence(door, volunteer, make_ticket):
    ticket = make_ticket()
    scan_code(door, volunteer, ticket.secret)
    refused = request(ticket.secret, nonce="n-again")

    first = scan(door=door, volunteer=volunteer, request=refused)
    again = scan(door=door, volunteer=volunteer, request=refused)

    assert again.pk == first.pk
    assert scan_message(again, door=door) == scan_message(first, door=door)
    assert CheckIn.objects.count() == 2


def test_nonce_of_another_door_is_refused(door, volunteer, make_ticket, event):
    other = DoorFactory(event=event, name="Back door")
    ticket = make_ticket()
    scan(door=door, volunteer=volunteer, request=request(ticket.secret, nonce="n-1"))

    with pytest.raises(CheckInError) as error:
        scan(door=other, volunteer=volunteer, request=request(ticket.secret, nonce="n-1"))

    assert error.value.code == "nonce_reused"
    assert CheckIn.objects.count() == 1


def test_undo_keeps_the_row_clears_checked_in_at_and_lets_the_ticket_in_again(door, volunteer, make_ticket):
    ticket = make_ticket()
    checkin = scan_code(door, volunteer, ticket.secret)

    undone = undo(door=door, checkin_id=checkin.pk, volunteer=volunteer)
    again = undo(door=door, checkin_id=checkin.pk, volunteer=volunteer)

    assert (undone.pk, undone.undone_by, again.undone_at) == (checkin.pk, volunteer, undone.undone_at)
    ticket.refresh_from_db()
    assert ticket.checked_in_at is None
    assert CheckIn.objects.filter(pk=checkin.pk, successful=True, undone_at__isnull=False).exists()
    assert scan_code(door, volunteer, ticket.secret).successful is True


def test_undo_keeps_checked_in_at_from_an_admission_at_another_door(door, volunteer, make_ticket, event):
    ticket = make_ticket()
    first = scan_code(DoorFactory(event=event, name="Side door"), volunteer, ticket.secret)
    second = scan_code(door, volunteer, ticket.secret)

    undo(door=door, checkin_id=second.pk, volunteer=volunteer)

    ticket.refresh_from_db()
    assert ticket.checked_in_at == first.scanned_at


def test_undo_refuses_refusals_other_doors_and_entries_followed_by_an_exit(door, volunteer, make_ticket, event):
    ticket = make_ticket()
    entry = scan_code(door, volunteer, ticket.secret)
    refused = scan_code(door, volunteer, ticket.secret)
    scan_code(door, volunteer, ticket.secret, kind="exit")
    other_door = DoorFactory(event=event, name="Side door")

    codes = []
    for checkin_id, at in ((refused.pk, door), (entry.pk, other_door), (entry.pk, door), (10**9, door)):
        with pytest.raises(CheckInError) as error:
            undo(door=at, checkin_id=checkin_id, volunteer=volunteer)
        codes.append(error.value.code)

    assert codes == ["not_found", "not_found", "not_undoable", "not_found"]


def test_admission_and_undo_tell_attendance_followers_after_commit(
    door, volunteer, make_ticket, django_capture_on_commit_callbacks
):
    ticket = make_ticket()
    received = []

    def receiver(sender, ticket_ids, **kwargs):
        received.append(ticket_ids)

    attendance_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            checkin = scan_code(door, volunteer, ticket.secret)
            scan_code(door, volunteer, ticket.secret)  # refused: nothing to tell
        with django_capture_on_commit_callbacks(execute=True):
            undo(door=door, checkin_id=checkin.pk, volunteer=volunteer)
    finally:
        attendance_changed.disconnect(receiver)

    assert received == [[ticket.pk], [ticket.pk]]


def test_offline_admission_of_a_ticket_another_device_let_in_is_kept_as_a_conflict(door, volunteer, make_ticket):
    ticket = make_ticket()
    online = scan_code(door, volunteer, ticket.secret, device="d-online")
    earlier = timezone.now() - dt.timedelta(minutes=3)

    offline, again = sync_scans(
        door=door,
        volunteer=volunteer,
        limiter=DoorLimiter(user_id=volunteer.pk),
        requests=[
            request(ticket.secret, device="d-offline", offline=True, scanned_at=earlier),
            request(ticket.secret, device="d-offline", offline=True, scanned_at=earlier + dt.timedelta(minutes=1)),
        ],
    )

    assert (offline.successful, offline.conflict, offline.previous, offline.scanned_at) == (True, True, online, earlier)
    assert scan_message(offline, door=door) == (
        "Welcome, Camille: General admission (also let in on another device while offline)"
    )
    # The device's own second scan of the ticket is a plain refusal, not another conflict.
    assert (again.successful, again.reason, again.conflict) == (False, "already_checked_in", False)
    ticket.refresh_from_db()
    assert ticket.checked_in_at == earlier


def test_offline_scan_time_is_never_in_the_future_and_online_scans_take_the_server_time(door, volunteer, make_ticket):
    tomorrow = timezone.now() + dt.timedelta(days=1)
    offline = scan_code(door, volunteer, make_ticket().secret, offline=True, scanned_at=tomorrow)
    online = scan_code(door, volunteer, make_ticket().secret, scanned_at=tomorrow - dt.timedelta(days=3))

    assert offline.scanned_at <= timezone.now()
    assert abs(online.scanned_at - timezone.now()) < dt.timedelta(seconds=30)


def test_green_answer_has_door_answers_history_and_note(door, volunteer, make_ticket, community, event):
    from tests.checkin.factories import AnswerFactory, QuestionFactory

    size = QuestionFactory(event=event, label="T-shirt size", position=1)
    diet = QuestionFactory(event=event, label="Diet", kind="short_text", per_ticket=False, position=2)
    QuestionFactory(event=event, label="Secret", show_at_door=False, position=3)
    ticket = make_ticket(holder_email="camille@example.com")
    AnswerFactory(order=ticket.order, ticket=ticket, question=size, value="M")
    AnswerFactory(order=ticket.order, question=diet, value="Vegetarian")
    FanFactory(community=community, email="camille@example.com", note="Speaker in March")
    for days in (30, 60):
        past = EventFactory(community=community, start=event.start - dt.timedelta(days=days))
        TicketFactory(order__event=past, holder_email="Camille@example.com", checked_in_at=past.start)
    never_came = EventFactory(community=community, start=event.start - dt.timedelta(days=90))
    TicketFactory(order__event=never_came, holder_email="camille@example.com")

    answer = scan_answer(scan_code(door, volunteer, ticket.secret), door=door)

    assert answer["answers"] == [{"label": "T-shirt size", "value": "M"}, {"label": "Diet", "value": "Vegetarian"}]
    assert (answer["history"], answer["note"]) == ("3rd meetup", "Speaker in March")


def test_history_counts_only_earlier_events_of_the_community_and_says_first_meetup(door, volunteer, make_ticket, event):
    ticket = make_ticket(holder_email="new@example.com")
    later = EventFactory(community=event.community, start=event.start + dt.timedelta(days=30))
    TicketFactory(order__event=later, holder_email="new@example.com", checked_in_at=later.start)
    elsewhere = EventFactory(start=event.start - dt.timedelta(days=30))
    TicketFactory(order__event=elsewhere, holder_email="new@example.com", checked_in_at=elsewhere.start)

    answer = scan_answer(scan_code(door, volunteer, ticket.secret), door=door)

    assert (answer["history"], answer["note"], answer["answers"]) == ("First meetup", "", [])


def test_history_finds_earlier_admissions_by_fan_and_by_e_mail_and_counts_each_event_once(
    door, volunteer, make_ticket, event, community
):
    fan = FanFactory(community=community, email="camille@example.com")
    ticket = make_ticket(holder_email="camille@example.com", fan=fan)
    by_fan, by_both = (EventFactory(community=community, start=event.start - dt.timedelta(days=d)) for d in (30, 60))
    TicketFactory(order__event=by_fan, holder_email="camille@old-job.example", fan=fan, checked_in_at=by_fan.start)
    TicketFactory(order__event=by_both, holder_email="CAMILLE@example.com", fan=fan, checked_in_at=by_both.start)
    TicketFactory(order__event=by_both, holder_email="camille@example.com", checked_in_at=by_both.start)

    answer = scan_answer(scan_code(door, volunteer, ticket.secret), door=door)

    assert answer["history"] == "3rd meetup"


@pytest.mark.parametrize(
    ("count", "cue"),
    [
        (1, "First meetup"),
        (2, "2nd meetup"),
        (3, "3rd meetup"),
        (4, "4th meetup"),
        (11, "11th meetup"),
        (12, "12th meetup"),
        (13, "13th meetup"),
        (21, "21st meetup"),
        (22, "22nd meetup"),
        (101, "101st meetup"),
        (111, "111th meetup"),
    ],
)
def test_history_cue_english_ordinals(count, cue):
    from checkin.services.rules import history_cue

    assert history_cue(count) == cue


def test_refused_scans_keep_their_order_status_untouched(door, volunteer, make_ticket):
    ticket = make_ticket(order__status=Order.Status.PENDING_PAYMENT)

    scan_code(door, volunteer, ticket.secret)

    assert Order.objects.get(pk=ticket.order_id).status == "pending_payment"
    assert Ticket.objects.get(pk=ticket.pk).status == "valid"


def test_existing_admission_by_factory_counts_as_inside(door, volunteer, make_ticket):
    earlier = CheckInFactory(door=door, ticket=make_ticket())

    assert scan_code(door, volunteer, earlier.ticket.secret).reason == "already_checked_in"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="autovacuum settings are PostgreSQL's")
def test_check_ins_are_analysed_after_a_thousand_changes_whatever_the_table_size(db):
    # At a door's opening, statistics from before it say the door has no movements: the scan's read would walk
    # the door's index (checkin migration 0006).
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [CheckIn._meta.db_table])
        options = cursor.fetchone()[0]

    assert set(options) >= {"autovacuum_analyze_scale_factor=0", "autovacuum_analyze_threshold=1000"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not hold text to a column's length")
@pytest.mark.parametrize("admitted", [False, True], ids=["an admission", "a refusal"])
def test_a_device_id_too_long_for_its_column_is_refused_by_the_database_not_cut_short(
    door, volunteer, make_ticket, admitted
):
    """The view accepts 64 characters at most; the service's writes keep the column's limit (on PostgreSQL, an
    admission's values are selected and cast, not inserted as VALUES)."""
    from django.db import DataError, transaction

    ticket = make_ticket()
    if admitted:
        CheckInFactory(door=door, ticket=ticket)

    with pytest.raises(DataError), transaction.atomic():
        scan_code(door, volunteer, ticket.secret, device="d" * 65)

    assert not CheckIn.objects.filter(device__startswith="ddd").exists()
