"""The attendee list's rows: every filter, the search, every sort, and the rows read in full."""

import datetime as dt

import pytest
from django.db.models import CharField, Value
from django.utils import timezone

from attendees import selectors_attendees as selectors
from attendees.models import Ticket
from attendees.selectors_attendees import AnswerFilter, Filters
from checkin.models import CheckIn
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.attendees_list.conftest import EVERYONE

pytestmark = pytest.mark.django_db


def names(event, **filters) -> list[str]:
    keys = list(selectors.attendee_rows(event=event, filters=Filters(**filters)))
    return [row.name for row in selectors.rows_for(event=event, keys=keys)]


def test_rows_list_every_ticket_and_everyone_waiting_sorted_by_name(crowd):
    assert names(crowd.event) == EVERYONE


def test_rows_leave_out_people_who_left_the_waiting_list_and_other_events(crowd):
    assert "Lea Left" not in names(crowd.event)
    assert names(crowd.event).count("Ada Lovelace") == 1


# Search


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("emilie", ["Émilie Dupré"]),
        ("ÉMILIE DUPRE", ["Émilie Dupré"]),
        ("dupré", ["Émilie Dupré"]),
        ("zoe", ["Zoé Zhang"]),
        ("lovelace ada", ["Ada Lovelace"]),
        ("acme.com", ["Ada Lovelace", "Bob Brown", "Wendy Waits", "Zoé Zhang"]),
        ("@acme.com", ["Ada Lovelace", "Wendy Waits", "Zoé Zhang"]),
        ("wendy@acme", ["Wendy Waits"]),
        ("nobody", []),
        ("100%", []),
        ("_", []),
    ],
)
def test_search_is_accent_and_case_insensitive_on_name_and_email(crowd, search, expected):
    assert names(crowd.event, search=search) == expected


def test_search_finds_an_order_by_its_reference(crowd):
    reference = crowd.tickets["ivan"].order.reference

    assert names(crowd.event, search=reference.lower()) == ["Ivan Ivanov"]


def test_fold_matches_what_the_database_compares():
    assert selectors.fold("Émilie DUPRÉ Łukasz Øster") == "emilie dupre lukasz oster"


@pytest.mark.parametrize(
    "text", ["Émilie DUPRÉ Łukasz Øster", "ZOE Zhang", "Zoé", "Tab\there ~!", "Ｚｏｅ", "ǅemal", "Straße", ""]
)
def test_the_database_folds_as_python_does(crowd, text):
    folded = (
        Ticket.objects.annotate(folded=selectors.Fold(Value(text, output_field=CharField())))
        .values_list("folded", flat=True)
        .first()
    )

    assert folded == selectors.fold(text)


# Filters


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (("confirmed",), ["Ada Lovelace", "Ivan Ivanov"]),
        (("pending_payment",), ["Émilie Dupré"]),
        (("pending_approval",), ["Zoé Zhang"]),
        (("waiting",), ["Olga Offered", "Wendy Waits"]),
        (("cancelled",), ["Bob Brown", "Dora Diaz"]),
        (("refunded",), ["Carl Cox"]),
        (("confirmed", "waiting"), ["Ada Lovelace", "Ivan Ivanov", "Olga Offered", "Wendy Waits"]),
    ],
)
def test_status_filter(crowd, statuses, expected):
    assert names(crowd.event, statuses=statuses) == expected


def test_ticket_type_filter_leaves_out_the_waiting_list(crowd):
    assert names(crowd.event, ticket_types=(crowd.vip.pk,)) == ["Carl Cox", "Émilie Dupré", "Ivan Ivanov"]


def test_checked_in_filter(crowd):
    assert names(crowd.event, checked_in="yes") == ["Ada Lovelace", "Ivan Ivanov"]
    assert names(crowd.event, checked_in="no") == [
        "Bob Brown",
        "Carl Cox",
        "Dora Diaz",
        "Émilie Dupré",
        "Zoé Zhang",
    ]


def test_answer_filter_per_ticket_choice(crowd):
    assert names(crowd.event, answer=AnswerFilter(crowd.shirt.pk, "=", "M")) == ["Ada Lovelace"]
    assert names(crowd.event, answer=AnswerFilter(crowd.shirt.pk, "=", "S")) == []


def test_answer_filter_matches_one_line_of_a_multiple_choice(crowd):
    assert names(crowd.event, answer=AnswerFilter(crowd.diet.pk, "=", "No nuts")) == ["Ada Lovelace", "Ivan Ivanov"]
    assert names(crowd.event, answer=AnswerFilter(crowd.diet.pk, "=", "Vegan")) == ["Ada Lovelace"]
    assert names(crowd.event, answer=AnswerFilter(crowd.diet.pk, "=", "Nuts")) == []


def test_answer_filter_ticked_or_not(crowd):
    assert names(crowd.event, answer=AnswerFilter(crowd.conduct.pk, "+")) == ["Ada Lovelace"]
    assert names(crowd.event, answer=AnswerFilter(crowd.conduct.pk, "-")) == [
        "Bob Brown",
        "Carl Cox",
        "Dora Diaz",
        "Émilie Dupré",
        "Ivan Ivanov",
        "Zoé Zhang",
    ]


def test_tag_filter_through_the_linked_fan_or_the_email(crowd):
    assert names(crowd.event, tags=(crowd.speaker.pk,)) == ["Ada Lovelace", "Wendy Waits"]
    assert names(crowd.event, tags=(crowd.sponsor.pk,)) == ["Zoé Zhang"]
    assert names(crowd.event, tags=(crowd.speaker.pk, crowd.sponsor.pk)) == ["Ada Lovelace", "Wendy Waits", "Zoé Zhang"]


def test_history_filter_counts_only_earlier_events_of_the_community(crowd):
    assert names(crowd.event, history="returning") == ["Ada Lovelace"]
    assert names(crowd.event, history="first") == [
        "Bob Brown",
        "Carl Cox",
        "Dora Diaz",
        "Émilie Dupré",
        "Ivan Ivanov",
        "Zoé Zhang",
    ]


def test_filters_combine(crowd):
    assert names(crowd.event, search="acme", statuses=("confirmed", "pending_approval"), checked_in="no") == [
        "Zoé Zhang"
    ]
    assert names(crowd.event, statuses=("confirmed",), ticket_types=(crowd.standard.pk,), tags=(crowd.speaker.pk,)) == [
        "Ada Lovelace"
    ]


# Sorting


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-name", list(reversed(EVERYONE))),
        ("email", ["Carl Cox", "Ada Lovelace", "Bob Brown", "Dora Diaz", "Émilie Dupré", "Ivan Ivanov", "Olga Offered",
                   "Wendy Waits", "Zoé Zhang"]),
        ("ticket_type", ["Ada Lovelace", "Bob Brown", "Dora Diaz", "Zoé Zhang", "Carl Cox", "Émilie Dupré",
                         "Ivan Ivanov", "Olga Offered", "Wendy Waits"]),
        ("status", ["Ada Lovelace", "Ivan Ivanov", "Émilie Dupré", "Zoé Zhang", "Olga Offered", "Wendy Waits",
                    "Bob Brown", "Dora Diaz", "Carl Cox"]),
        ("-status", ["Carl Cox", "Bob Brown", "Dora Diaz", "Olga Offered", "Wendy Waits", "Zoé Zhang", "Émilie Dupré",
                     "Ada Lovelace", "Ivan Ivanov"]),
        ("registered", ["Ada Lovelace", "Émilie Dupré", "Zoé Zhang", "Bob Brown", "Carl Cox", "Dora Diaz",
                        "Ivan Ivanov", "Wendy Waits", "Olga Offered"]),
        ("-registered", ["Olga Offered", "Wendy Waits", "Ivan Ivanov", "Dora Diaz", "Carl Cox", "Bob Brown",
                         "Zoé Zhang", "Émilie Dupré", "Ada Lovelace"]),
        ("checked_in", ["Ivan Ivanov", "Ada Lovelace", "Bob Brown", "Carl Cox", "Dora Diaz", "Émilie Dupré",
                        "Olga Offered", "Wendy Waits", "Zoé Zhang"]),
        ("-checked_in", ["Ada Lovelace", "Ivan Ivanov", "Bob Brown", "Carl Cox", "Dora Diaz", "Émilie Dupré",
                         "Olga Offered", "Wendy Waits", "Zoé Zhang"]),
    ],
)  # fmt: skip
def test_sort_by_each_column_both_ways(crowd, sort, expected):
    assert names(crowd.event, sort=sort) == expected


def test_unknown_sort_falls_back_to_the_name(crowd):
    assert names(crowd.event, sort="-password") == EVERYONE


# The rows in full


def test_rows_for_reads_each_row_in_full(crowd):
    rows = {row.name: row for row in selectors.rows_for(event=crowd.event, keys=list(
        selectors.attendee_rows(event=crowd.event, filters=Filters())))}  # fmt: skip

    ada = rows["Ada Lovelace"]
    assert (ada.key, ada.email, ada.ticket_type, ada.status, ada.door) == (
        f"t{crowd.tickets['ada'].pk}",
        "ada@acme.com",
        "Standard",
        "confirmed",
        "Main door",
    )
    assert ada.answers == [("T-shirt size", "M"), ("Diet", "Vegan, No nuts"), ("Code of conduct", "Yes")]
    assert (ada.tags, ada.note, ada.consent) == (["speaker"], "Gives the opening talk", True)
    assert (rows["Ivan Ivanov"].door, rows["Ivan Ivanov"].answers) == ("Side door", [("Diet", "No nuts")])
    assert (rows["Zoé Zhang"].tags, rows["Zoé Zhang"].consent) == (["sponsor"], True)
    assert (rows["Dora Diaz"].status, rows["Dora Diaz"].detail) == ("cancelled", "declined")
    assert (rows["Carl Cox"].status, rows["Carl Cox"].consent) == ("refunded", False)
    wendy, olga = rows["Wendy Waits"], rows["Olga Offered"]
    assert (wendy.key, wendy.status, wendy.tags, wendy.consent) == (
        f"w{crowd.entries['wendy'].pk}",
        "waiting",
        ["speaker"],
        False,
    )
    assert (olga.status, olga.detail, olga.tags, olga.consent) == ("waiting", "offered", [], None)


def test_an_undone_check_in_names_no_door(crowd):
    CheckIn.objects.filter(ticket=crowd.tickets["ada"]).update(undone_at=timezone.now())
    keys = [{"row_kind": "t", "row_id": crowd.tickets["ada"].pk}]

    assert selectors.rows_for(event=crowd.event, keys=keys)[0].door == ""


def test_counts_at_the_top(crowd):
    counts = selectors.counts(event=crowd.event, ticket_types=[crowd.standard, crowd.vip])

    assert (counts.registered, counts.pending, counts.checked_in, counts.no_shows, counts.waiting) == (2, 2, 2, None, 2)
    assert [(f.ticket_type.name, f.confirmed, f.checked_in, f.revenue) for f in counts.by_type] == [
        ("Standard", 1, 1, 0),
        ("VIP", 1, 1, 20),
    ]
    assert counts.revenue_by_currency == {"EUR": 20}


def test_counts_no_shows_once_the_event_is_over(crowd):
    TicketFactory(order=OrderFactory(event=crowd.event), ticket_type=crowd.standard)
    later = crowd.event.end + dt.timedelta(minutes=1)

    counts = selectors.counts(event=crowd.event, ticket_types=[crowd.standard, crowd.vip], now=later)

    assert (counts.registered, counts.checked_in, counts.no_shows) == (3, 2, 1)


def test_counts_count_the_rows_of_the_list_without_filters(crowd):
    ticket = TicketFactory(order=OrderFactory(event=crowd.event), ticket_type=crowd.standard, holder_name="Tom Torn")
    ticket.status = ticket.Status.CANCELLED  # a ticket cancelled on its own, in a confirmed order
    ticket.save(update_fields=["status"])

    counts = selectors.counts(event=crowd.event, ticket_types=[crowd.standard, crowd.vip])

    assert counts.rows == len(EVERYONE) + 1 == len(list(selectors.attendee_rows(event=crowd.event, filters=Filters())))
    assert counts.registered == 2  # the cancelled ticket is a row, not a registration


@pytest.mark.parametrize("sort", [*selectors.SORTS, *(f"-{key}" for key in selectors.SORTS), "-password"])
def test_rows_carry_their_key_and_only_the_columns_of_their_sort(crowd, sort):
    keys = list(selectors.attendee_rows(event=crowd.event, filters=Filters(sort=sort)))

    column = selectors.SORTS.get(sort.removeprefix("-"), "sort_name")
    assert all(set(key) == {"row_kind", "row_id", "sort_name", column} for key in keys)
    assert sorted(row.name for row in selectors.rows_for(event=crowd.event, keys=keys)) == sorted(EVERYONE)


def test_rows_of_an_event_only_through_its_ticket_types(crowd):
    other = TicketFactory(holder_name="Ada Elsewhere")  # another event's order and ticket type

    assert "Ada Elsewhere" not in names(crowd.event)
    assert "Ada Elsewhere" not in names(crowd.event, search="ada")
    assert names(other.order.event) == ["Ada Elsewhere"]
