"""The door's JSON endpoints: answers, access, CSRF, languages, bad input, rate limiting, query counts."""

import datetime as dt
import hashlib
import json

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attendees.models import Ticket
from checkin.models import CheckIn
from tests.checkin.conftest import post, scan_body
from tests.checkin.factories import CheckInFactory, DoorFactory, FanFactory, TicketFactory
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(door, name):
    return reverse(f"checkin_api:{name}", kwargs={"code": door.code})


def test_scan_answers_green_with_holder_type_and_counts(volunteer_client, door, make_ticket):
    ticket = make_ticket()
    make_ticket()  # expected, not yet in

    response = post(volunteer_client, door, "scan", scan_body(ticket.secret, nonce="n-1"))

    checkin = CheckIn.objects.get()
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "reason": "",
        "message": "Welcome, Camille: General admission",
        "checkin": checkin.pk,
        "kind": "entry",
        "conflict": False,
        "ticket": ticket.pk,
        "holder": "Camille Martin",
        "ticket_type": "General admission",
        "answers": [],
        "history": "First meetup",
        "note": "",
        "nonce": "n-1",
        "counts": {"inside": 1, "checked_in": 1, "expected": 2},
    }


def test_scan_twice_answers_red_with_who_and_when(volunteer_client, door, make_ticket):
    ticket = make_ticket()
    post(volunteer_client, door, "scan", scan_body(ticket.secret))
    CheckIn.objects.update(scanned_at=dt.datetime(2026, 11, 21, 18, 3, tzinfo=dt.UTC))

    answer = post(volunteer_client, door, "scan", scan_body(ticket.secret)).json()

    assert (answer["ok"], answer["reason"]) == (False, "already_checked_in")
    assert answer["message"] == "Already checked in at 19:03 by Alex at Main door"
    assert answer["counts"] == {"inside": 1, "checked_in": 1, "expected": 1}


def test_scan_answers_in_the_requests_language(volunteer_client, door, make_ticket):
    ticket = make_ticket()
    response = post(volunteer_client, door, "scan", scan_body(ticket.secret), HTTP_ACCEPT_LANGUAGE="fr")

    assert response.headers["Content-Language"] == "fr"
    assert response.json()["ok"] is True


def test_same_nonce_five_times_over_http_records_once(volunteer_client, door, make_ticket):
    ticket = make_ticket()
    body = scan_body(ticket.secret, nonce="n-retry")

    answers = [post(volunteer_client, door, "scan", body).json() for _ in range(5)]

    assert CheckIn.objects.count() == 1
    assert [a["ok"] for a in answers] == [True] * 5
    assert {a["checkin"] for a in answers} == {CheckIn.objects.get().pk}


def test_scan_for_anonymous_is_a_json_login_required(client, door, make_ticket):
    response = post(client, door, "scan", scan_body(make_ticket().secret))

    assert (response.status_code, response.json()["reason"]) == (403, "login_required")
    assert CheckIn.objects.count() == 0


def test_volunteer_of_another_community_gets_403_on_every_endpoint(client, door, make_ticket):
    outsider = UserFactory()
    MembershipFactory(community=CommunityFactory(), user=outsider, role="volunteer")
    client.force_login(outsider)
    ticket = make_ticket()
    checkin = CheckInFactory(door=door, ticket=ticket)

    answers = [
        post(client, door, "scan", scan_body(ticket.secret)),
        post(client, door, "sync", {"device": "d-1", "scans": [scan_body(ticket.secret)]}),
        post(client, door, "undo", {"checkin": checkin.pk}),
        client.get(url(door, "list")),
        client.get(url(door, "search"), {"q": "cam"}),
        client.get(url(door, "counts")),
    ]

    assert [(r.status_code, r.json()["reason"]) for r in answers] == [(403, "forbidden")] * 6
    assert CheckIn.objects.count() == 1
    assert CheckIn.objects.get().undone_at is None


def test_organiser_of_the_community_may_scan(organiser_client, door, make_ticket):
    response = post(organiser_client, door, "scan", scan_body(make_ticket().secret))

    assert response.json()["ok"] is True


@pytest.mark.parametrize("code", ["nope", "a%00b", "x" * 40, "%C3%A9t%C3%A9"])
def test_unknown_door_code_is_a_json_404(volunteer_client, code):
    response = volunteer_client.get(f"/door/{code}/counts")

    assert (response.status_code, response.json()["reason"]) == (404, "not_found")


def test_wrong_method_is_a_json_405(volunteer_client, door):
    response = volunteer_client.get(url(door, "scan"))

    assert (response.status_code, response.json()["reason"], response["Allow"]) == (405, "method_not_allowed", "POST")


def test_csrf_is_enforced_with_a_json_answer(door, volunteer, make_ticket):
    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer)
    client.get("/")  # any page; the token comes from the cookie below
    ticket = make_ticket()

    refused = post(client, door, "scan", scan_body(ticket.secret))
    client.cookies["csrftoken"] = "a" * 32
    accepted = post(client, door, "scan", scan_body(ticket.secret), HTTP_X_CSRFTOKEN="a" * 32)

    assert (refused.status_code, refused.json()["reason"]) == (403, "csrf")
    assert (accepted.status_code, accepted.json()["ok"]) == (200, True)
    assert CheckIn.objects.count() == 1


BAD_SCANS = [
    b"not json",
    b"\xff\xfe\x00garbage\x00",
    b"[1, 2, 3]",
    b"[" * 100_000 + b"]" * 100_000,
    b"",
    json.dumps({"nonce": "n-1", "code": "x"}),
    json.dumps({"device": "d-1", "code": "x"}),
    json.dumps({"device": "d" * 65, "nonce": "n-1", "code": "x"}),
    json.dumps({"device": "d 1\u0000", "nonce": "n-1", "code": "x"}),
    json.dumps({"device": "d-1", "nonce": "n-1"}),
    json.dumps({"device": "d-1", "nonce": "n-1", "code": 12}),
    json.dumps({"device": "d-1", "nonce": "n-1", "code": ["x"]}),
    json.dumps({"device": "d-1", "nonce": "n-1", "code": "x", "kind": "sideways"}),
    json.dumps({"device": "d-1", "nonce": "n-1", "code": "x", "method": "telepathy"}),
    json.dumps({"device": "d-1", "nonce": "n-1", "code": "x", "offline": "yes"}),
    json.dumps({"device": "d-1", "nonce": "n-1", "code": "x", "offline": True, "scanned_at": "yesterday"}),
    json.dumps({"device": "d-1", "nonce": "n-1", "code": "x", "scanned_at": 12}),
    json.dumps({"device": "d-1", "nonce": "n-1", "ticket": "12", "method": "search"}),
    json.dumps({"device": "d-1", "nonce": "n-1", "ticket": True, "method": "search"}),
    json.dumps({"device": "d-1", "nonce": "n-1", "ticket": 10**30, "method": "search"}),
    json.dumps({"device": "d-1", "nonce": "n-1", "ticket": -4, "method": "search"}),
    json.dumps({"device": "d-1", "nonce": "n-1", "ticket": 4, "method": "camera"}),
    json.dumps({"device": "d-1", "nonce": "n-1", "ticket": 4, "code": "x", "method": "search"}),
]


@pytest.mark.parametrize("body", BAD_SCANS)
def test_unreadable_scans_get_a_json_400_and_record_nothing(volunteer_client, door, body):
    response = post(volunteer_client, door, "scan", body)

    assert response.status_code == 400
    assert response.json()["reason"] == "bad_request"
    assert response.json()["message"]
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    "code", ["", "x" * 100_000, "\u0000" * 32, "é" * 32, "<script>alert(1)</script>", "' OR 1=1 --", "🎟️" * 16]
)
def test_codes_that_are_no_ticket_get_a_red_answer(volunteer_client, door, code):
    response = post(volunteer_client, door, "scan", scan_body(code))

    assert response.status_code == 200
    assert (response.json()["ok"], response.json()["reason"]) == (False, "invalid")
    assert response.json()["message"] == "Not a ticket code"
    assert CheckIn.objects.get().reason == "invalid"


def test_a_too_large_body_is_a_json_400(volunteer_client, door, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = post(volunteer_client, door, "scan", scan_body("x" * 5000))

    assert (response.status_code, response.json()["reason"]) == (400, "bad_request")


def test_search_admission_of_a_ticket_of_another_event_is_unknown(volunteer_client, door):
    other = TicketFactory()

    answer = post(volunteer_client, door, "scan", scan_body(None, ticket=other.pk, method="search")).json()

    assert (answer["ok"], answer["reason"], answer["holder"]) == (False, "unknown", "")


def test_twenty_unknown_codes_a_minute_then_429_and_nothing_recorded(volunteer_client, door, make_ticket):
    ticket = make_ticket()
    reasons = [post(volunteer_client, door, "scan", scan_body("u" * 32)).json()["reason"] for _ in range(20)]

    blocked = post(volunteer_client, door, "scan", scan_body(ticket.secret))

    assert reasons == ["unknown"] * 20
    assert (blocked.status_code, blocked.json()["reason"]) == (429, "rate_limited")
    assert blocked.json()["message"] == "Too many unknown codes: wait a minute before scanning again"
    assert CheckIn.objects.count() == 20


def test_rate_limit_follows_the_user_across_devices(volunteer_client, door):
    for n in range(20):
        post(volunteer_client, door, "scan", scan_body("bad", device=f"d-{n}"))

    blocked = post(volunteer_client, door, "scan", scan_body("bad", device="d-new"))

    assert blocked.status_code == 429


def test_rate_limit_follows_the_device_across_users(client, door, community):
    from events.models import Membership

    users = [MembershipFactory(community=community, role=Membership.Role.VOLUNTEER).user for _ in range(2)]
    client.force_login(users[0])
    for _ in range(20):
        post(client, door, "scan", scan_body("bad", device="d-shared"))
    client.force_login(users[1])

    assert post(client, door, "scan", scan_body("bad", device="d-shared")).status_code == 429
    assert post(client, door, "scan", scan_body("bad", device="d-other")).status_code == 200


def test_valid_tickets_and_repeats_do_not_count_towards_the_limit(volunteer_client, door, make_ticket):
    ticket = make_ticket()
    for _ in range(25):
        post(volunteer_client, door, "scan", scan_body(ticket.secret))
    for _ in range(25):
        post(volunteer_client, door, "scan", scan_body("bad", nonce="n-same"))

    assert post(volunteer_client, door, "scan", scan_body("bad")).status_code == 200


# --- sync --------------------------------------------------------------------------------------------------------


def test_sync_records_offline_scans_in_order_with_their_times_and_conflicts(volunteer_client, door, make_ticket):
    camille, sam = make_ticket(), make_ticket(holder_name="Sam Durand")
    CheckInFactory(door=door, ticket=camille, device="d-other")
    at = timezone.now() - dt.timedelta(minutes=10)
    scans = [
        scan_body(sam.secret, nonce="n-1", offline=True, scanned_at=at.isoformat()),
        scan_body(sam.secret, nonce="n-2", offline=True, scanned_at=(at + dt.timedelta(minutes=1)).isoformat()),
        scan_body(camille.secret, nonce="n-3", offline=True, scanned_at=(at + dt.timedelta(minutes=2)).isoformat()),
        scan_body("nope", nonce="n-4", offline=True, scanned_at=(at + dt.timedelta(minutes=3)).isoformat()),
    ]

    response = post(volunteer_client, door, "sync", {"device": "d-phone", "scans": scans})

    results = response.json()["results"]
    assert [(r["nonce"], r["ok"], r["reason"], r["conflict"]) for r in results] == [
        ("n-1", True, "", False),
        ("n-2", False, "already_checked_in", False),
        ("n-3", True, "", True),
        ("n-4", False, "invalid", False),
    ]
    assert response.json()["counts"] == {"inside": 2, "checked_in": 2, "expected": 2}
    recorded = CheckIn.objects.filter(device="d-phone").order_by("pk")
    assert [(c.nonce, c.offline, c.scanned_at) for c in recorded] == [
        ("n-1", True, at),
        ("n-2", True, at + dt.timedelta(minutes=1)),
        ("n-3", True, at + dt.timedelta(minutes=2)),
        ("n-4", True, at + dt.timedelta(minutes=3)),
    ]


def test_sync_sent_twice_records_nothing_new(volunteer_client, door, make_ticket):
    body = {"device": "d-phone", "scans": [scan_body(make_ticket().secret, nonce=f"n-{n}") for n in range(3)]}

    first = post(volunteer_client, door, "sync", body).json()["results"]
    second = post(volunteer_client, door, "sync", body).json()["results"]

    assert CheckIn.objects.count() == 3
    assert second == first


def test_sync_of_more_than_500_scans_is_refused_whole(volunteer_client, door):
    body = {"device": "d-phone", "scans": [scan_body("bad", nonce=f"n-{n}") for n in range(501)]}

    response = post(volunteer_client, door, "sync", body)

    assert (response.status_code, response.json()["reason"]) == (400, "bad_request")
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"device": "d-1", "scans": "all"},
        {"device": "d-1"},
        {"scans": []},
        {"device": "d-1", "scans": [1]},
        {"device": "d-1", "scans": [scan_body("x"), {"nonce": "n-1"}]},
    ],
)
def test_sync_with_a_bad_scan_is_refused_whole(volunteer_client, door, body):
    response = post(volunteer_client, door, "sync", body)

    assert (response.status_code, response.json()["reason"]) == (400, "bad_request")
    assert CheckIn.objects.count() == 0


def test_sync_past_the_rate_limit_answers_rate_limited_for_the_rest(volunteer_client, door, settings):
    settings.CHECKIN_MISSES_PER_MINUTE = 3
    body = {"device": "d-phone", "scans": [scan_body("bad", nonce=f"n-{n}") for n in range(5)]}

    results = post(volunteer_client, door, "sync", body).json()["results"]

    assert [r["reason"] for r in results] == ["invalid"] * 3 + ["rate_limited"] * 2
    assert CheckIn.objects.count() == 3


# --- undo, counts -------------------------------------------------------------------------------------------------


def test_undo_answers_and_updates_the_counts(volunteer_client, door, make_ticket, volunteer):
    ticket = make_ticket()
    checkin_id = post(volunteer_client, door, "scan", scan_body(ticket.secret)).json()["checkin"]

    answer = post(volunteer_client, door, "undo", {"checkin": checkin_id}).json()

    assert (answer["ok"], answer["undone"], answer["checkin"]) == (True, True, checkin_id)
    assert answer["message"] == "Check-in of Camille Martin undone"
    assert answer["counts"] == {"inside": 0, "checked_in": 0, "expected": 1}
    assert CheckIn.objects.get(pk=checkin_id).undone_by == volunteer


@pytest.mark.parametrize("body", [{"checkin": "1"}, {"checkin": None}, {}, {"checkin": 10**9}])
def test_undo_of_nothing_is_a_json_error(volunteer_client, door, body):
    response = post(volunteer_client, door, "undo", body)

    assert response.status_code in (400, 404)
    assert response.json()["reason"] in ("bad_request", "not_found")


def test_counts_inside_checked_in_expected(volunteer_client, door, make_ticket, event):
    inside, left, _ = make_ticket(), make_ticket(), make_ticket()
    make_ticket(status=Ticket.Status.CANCELLED)
    make_ticket(order__status="pending_payment")
    for ticket in (inside, left):
        post(volunteer_client, door, "scan", scan_body(ticket.secret))
    post(volunteer_client, door, "scan", scan_body(left.secret, kind="exit"))

    assert volunteer_client.get(url(door, "counts")).json() == {"inside": 1, "checked_in": 2, "expected": 3}


# --- door list ----------------------------------------------------------------------------------------------------


def test_door_list_has_what_an_offline_device_needs_and_no_e_mails(volunteer_client, door, make_ticket, community):
    from tests.checkin.factories import AnswerFactory, QuestionFactory

    camille = make_ticket(holder_email="camille@example.com", order__buyer_email="buyer@example.com")
    sam = make_ticket(holder_name="Sam Durand", holder_email="sam@example.com", order__status="pending_payment")
    size = QuestionFactory(event=door.event)
    AnswerFactory(order=camille.order, ticket=camille, question=size, value="M")
    FanFactory(community=community, email="camille@example.com", note="Speaker in March")
    entry = CheckInFactory(door=door, ticket=camille, scanned_at=dt.datetime(2026, 11, 21, 18, 3, tzinfo=dt.UTC))

    response = volunteer_client.get(url(door, "list"))

    data = response.json()
    assert "@" not in response.content.decode()
    assert data["door"] == {"code": door.code, "name": "Main door"}
    assert data["event"]["id"] == door.event_id
    assert data["counts"] == {"inside": 1, "checked_in": 1, "expected": 1}
    assert data["messages"]["welcome"] == "Welcome, %(name)s: %(ticket_type)s"
    assert data["tickets"] == [
        {
            "h": hashlib.sha256(camille.secret.encode()).hexdigest(),
            "id": camille.pk,
            "name": "Camille Martin",
            "type": "General admission",
            "state": "ok",
            "inside": True,
            "checked_in_at": entry.scanned_at.isoformat(),
            "checked_in_time": "19:03",
            "checked_in_by": "",
            "answers": [{"label": "T-shirt size", "value": "M"}],
            "history": "First meetup",
            "note": "Speaker in March",
        },
        {
            "h": hashlib.sha256(sam.secret.encode()).hexdigest(),
            "id": sam.pk,
            "name": "Sam Durand",
            "type": "General admission",
            "state": "payment_pending",
            "inside": False,
            "checked_in_at": None,
            "checked_in_time": "",
            "checked_in_by": "",
            "answers": [],
            "history": "First meetup",
            "note": "",
        },
    ]
    assert camille.secret not in response.content.decode()


def test_door_list_states_follow_the_door_rules(volunteer_client, event, make_ticket, community):
    from tests.factories import TicketTypeFactory

    speakers = DoorFactory(event=event, name="Speakers")
    speakers.ticket_types.add(TicketTypeFactory(event=event, name="Speaker"))
    make_ticket()
    FanFactory(community=community, email="flagged@example.com", flagged=True)
    make_ticket(holder_email="flagged@example.com", ticket_type=speakers.ticket_types.get())

    states = [t["state"] for t in volunteer_client.get(url(speakers, "list")).json()["tickets"]]

    assert states == ["wrong_door", "flagged"]


@pytest.mark.parametrize("count", [1, 3])
def test_door_list_query_count_is_constant(
    volunteer_client, door, make_ticket, community, count, django_assert_num_queries
):
    from tests.checkin.factories import AnswerFactory, QuestionFactory

    question = QuestionFactory(event=door.event)
    for n in range(count):
        ticket = make_ticket(holder_email=f"fan{n}@example.com")
        AnswerFactory(order=ticket.order, ticket=ticket, question=question)
        FanFactory(community=community, email=f"fan{n}@example.com", note="Regular")
        CheckInFactory(door=door, ticket=ticket)
        past = EventFactory(community=community, start=door.event.start - dt.timedelta(days=30 + n))
        TicketFactory(order__event=past, holder_email=f"fan{n}@example.com", checked_in_at=past.start)

    # session, user, door with the role; the event read afresh; tickets, fans, answers, history, movements.
    with django_assert_num_queries(9):
        response = volunteer_client.get(url(door, "list"))

    assert len(response.json()["tickets"]) == count
    assert {t["history"] for t in response.json()["tickets"]} == {"2nd meetup"}


@pytest.mark.parametrize("count", [1, 3])
def test_scan_query_count(volunteer_client, door, make_ticket, count, django_assert_num_queries):
    tickets = [make_ticket() for _ in range(count)]
    for ticket in tickets[:-1]:
        post(volunteer_client, door, "scan", scan_body(ticket.secret))
    volunteer_client.get(url(door, "counts"))  # "expected" is counted once in a while, not on every scan

    # session, user, door with the role; savepoint (the test's transaction), then on PostgreSQL the ticket read with
    # all the rules need and the insert with checked_in_at if the ticket has not changed since; on SQLite the ticket
    # locked, read, inserted, then checked_in_at (no UPDATE inside WITH); release (the counters are kept).
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 9):
        answer = post(volunteer_client, door, "scan", scan_body(tickets[-1].secret)).json()

    assert answer["ok"] is True
    assert answer["counts"] == {"inside": count, "checked_in": count, "expected": count}


def test_refused_scan_query_count(volunteer_client, door, make_ticket, django_assert_num_queries):
    ticket = make_ticket()
    post(volunteer_client, door, "scan", scan_body(ticket.secret))

    # session, user, door with the role; savepoint (the test's transaction); the ticket (locked first on SQLite)
    # read with all the rules need and the admission it ran into; insert; release.
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 8):
        answer = post(volunteer_client, door, "scan", scan_body(ticket.secret)).json()

    assert answer["reason"] == "already_checked_in"


def test_scan_counts_read_with_the_ticket_match_a_fresh_count_after_every_kind_of_scan(
    volunteer_client, door, make_ticket
):
    ada, bea, cy = make_ticket(), make_ticket(), make_ticket(status=Ticket.Status.CANCELLED)
    volunteer_client.get(url(door, "counts"))  # "expected" is counted once in a while, not on every scan
    scans = [
        scan_body(ada.secret),
        scan_body(bea.secret),
        scan_body(ada.secret, kind="exit"),
        scan_body(ada.secret, kind="exit"),  # not inside
        scan_body(ada.secret),  # back in: checked in once, inside again
        scan_body(bea.secret),  # already checked in
        scan_body(cy.secret),  # cancelled
        scan_body(bea.secret, device="d-other", offline=True, scanned_at=timezone.now().isoformat()),  # conflict
        scan_body(bea.secret, kind="exit"),
    ]

    seen = []
    for body in scans:
        answer = post(volunteer_client, door, "scan", body).json()
        fresh = volunteer_client.get(url(door, "counts")).json()
        seen.append((answer["reason"], answer["conflict"], answer["counts"] == fresh, fresh["inside"]))

    assert seen == [
        ("", False, True, 1),
        ("", False, True, 2),
        ("", False, True, 1),
        ("not_inside", False, True, 1),
        ("", False, True, 2),
        ("already_checked_in", False, True, 2),
        ("cancelled", False, True, 2),
        ("", True, True, 2),
        ("", False, True, 1),
    ]
    assert volunteer_client.get(url(door, "counts")).json()["checked_in"] == 2


# --- search -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["elo", "ÉLO", "éloïse", "DURÂND", "eloise.d@", "Eloise Du"])
def test_search_is_accent_and_case_insensitive_on_name_and_e_mail(volunteer_client, door, make_ticket, query):
    eloise = make_ticket(holder_name="Éloïse Durand", holder_email="eloise.d@example.com")
    make_ticket(holder_name="Camille Martin", holder_email="camille@example.com")

    response = volunteer_client.get(url(door, "search"), {"q": query})

    assert response.json() == {
        "results": [
            {
                "ticket": eloise.pk,
                "name": "Éloïse Durand",
                "type": "General admission",
                "state": "ok",
                "checked_in_at": None,
            }
        ]
    }


@pytest.mark.parametrize("query", ["lukasz", "ØSTER", "Łukasz Ø"])
def test_search_folds_letters_that_do_not_decompose_as_the_attendee_list_does(
    volunteer_client, door, make_ticket, query
):
    """One folding for every search (attendees.folding): ł and ø match l and o at the door too."""
    lukasz = make_ticket(holder_name="Łukasz Øster", holder_email="lukasz@example.com")

    response = volunteer_client.get(url(door, "search"), {"q": query})

    assert [result["ticket"] for result in response.json()["results"]] == [lukasz.pk]


def test_search_never_returns_e_mails_and_matches_nothing_of_other_events(volunteer_client, door, make_ticket):
    make_ticket(holder_name="Sam Durand", holder_email="sam@example.com")
    TicketFactory(holder_name="Sam Elsewhere", holder_email="sam2@example.com")

    response = volunteer_client.get(url(door, "search"), {"q": "sam"})

    assert [r["name"] for r in response.json()["results"]] == ["Sam Durand"]
    assert "@" not in response.content.decode()


def test_search_states_and_check_in_time(volunteer_client, door, make_ticket):
    make_ticket(holder_name="Zoé A", status=Ticket.Status.CANCELLED)
    inside = make_ticket(holder_name="Zoé B")
    post(volunteer_client, door, "scan", scan_body(inside.secret))
    inside.refresh_from_db()

    results = volunteer_client.get(url(door, "search"), {"q": "zoe"}).json()["results"]

    assert [(r["name"], r["state"], r["checked_in_at"]) for r in results] == [
        ("Zoé A", "cancelled", None),
        ("Zoé B", "ok", inside.checked_in_at.isoformat()),
    ]


@pytest.mark.parametrize("query", ["", "ab", "  a ", "\u0000\u0000\u0000"])
def test_search_under_3_characters_is_a_json_400(volunteer_client, door, query):
    response = volunteer_client.get(url(door, "search"), {"q": query})

    if response.status_code == 200:  # NUL characters are dropped: nothing left to look for
        assert response.json() == {"results": []}
    else:
        assert (response.status_code, response.json()["reason"]) == (400, "bad_request")


@pytest.mark.parametrize("query", ["a.*b", "[ab]", "(((", "\\d+", "%_%", "x" * 5000])
def test_search_takes_regex_and_like_characters_literally(volunteer_client, door, make_ticket, query):
    make_ticket(holder_name="Anna Bell", holder_email="ab@example.com")

    response = volunteer_client.get(url(door, "search"), {"q": query})

    assert (response.status_code, response.json()) == (200, {"results": []})


def test_search_returns_at_most_20(volunteer_client, door, make_ticket):
    for n in range(25):
        make_ticket(holder_name=f"Camille {n:02}")

    results = volunteer_client.get(url(door, "search"), {"q": "camille"}).json()["results"]

    assert [r["name"] for r in results] == [f"Camille {n:02}" for n in range(20)]


def test_search_query_count(volunteer_client, door, make_ticket, django_assert_num_queries):
    for n in range(3):
        make_ticket(holder_name=f"Camille {n}")

    # session, user, door with the role; candidates, flagged fans.
    with django_assert_num_queries(5):
        results = volunteer_client.get(url(door, "search"), {"q": "cam"}).json()["results"]

    assert len(results) == 3


def test_misses_straddling_the_turn_of_a_minute_still_reach_the_cap(volunteer_client, door, monkeypatch):
    from checkin import ratelimit

    minute = {"now": 1000}
    monkeypatch.setattr(ratelimit, "_window", lambda: minute["now"])
    for n in range(20):
        if n == 10:
            minute["now"] += 1  # the second half falls in the next minute
        post(volunteer_client, door, "scan", scan_body("bad", device="d-straddle"))

    assert post(volunteer_client, door, "scan", scan_body("bad", device="d-straddle")).status_code == 429
    minute["now"] += 2  # two minutes on, both windows are behind
    assert post(volunteer_client, door, "scan", scan_body("bad", device="d-straddle")).status_code == 200


def test_counters_are_kept_between_recounts_and_a_scan_adds_its_own_change(
    volunteer_client, door, make_ticket, monkeypatch
):
    from checkin import counters

    monkeypatch.setattr(counters, "MOVEMENTS_RECOUNT_SECONDS", 3600)  # however slow the machine, no recount yet
    ada, bea, cy = make_ticket(), make_ticket(), make_ticket()
    assert post(volunteer_client, door, "scan", scan_body(ada.secret)).json()["counts"]["inside"] == 1
    # An admission recorded by another worker, whose change this worker's kept counters do not have yet.
    CheckInFactory(door=door, ticket=bea)

    kept = volunteer_client.get(url(door, "counts")).json()
    answer = post(volunteer_client, door, "scan", scan_body(cy.secret)).json()
    monkeypatch.setattr(counters, "MOVEMENTS_RECOUNT_SECONDS", 0)  # a recount is due...
    due = volunteer_client.get(url(door, "counts")).json()  # ...made once this answer is sent
    monkeypatch.setattr(counters, "MOVEMENTS_RECOUNT_SECONDS", 3600)
    recounted = volunteer_client.get(url(door, "counts")).json()

    assert (kept["inside"], kept["checked_in"]) == (1, 1)
    assert (answer["counts"]["inside"], answer["counts"]["checked_in"]) == (2, 2)
    assert (due["inside"], due["checked_in"]) == (2, 2)
    assert (recounted["inside"], recounted["checked_in"]) == (3, 3)


def _scan_view_answer(door, volunteer, body):
    """The scan view's response as the WSGI server gets it, before the server has sent it and closed it."""
    from django.test import RequestFactory

    from checkin import access, views_api

    request = RequestFactory().post(
        url(door, "scan"),
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-Door-Token": access.door_token(door=door, user=volunteer)},
    )
    return views_api.scan(request, door.code)


def test_a_due_recount_waits_until_the_answer_is_sent(door, volunteer, make_ticket, monkeypatch):
    from checkin import counters

    ada, bea, cy = make_ticket(), make_ticket(), make_ticket()
    counters.door_counts(door=door)  # counted: nothing in, three expected
    CheckInFactory(door=door, ticket=ada)  # let in by another worker: not in the kept counters yet
    CheckInFactory(door=door, ticket=bea)
    monkeypatch.setattr(counters, "MOVEMENTS_RECOUNT_SECONDS", 0)
    monkeypatch.setattr(counters, "EXPECTED_RECOUNT_SECONDS", 0)
    make_ticket()  # one more expected

    response = _scan_view_answer(door, volunteer, scan_body(cy.secret))
    before_sending = json.loads(response.content)["counts"]
    response.close()  # what the server does once the last byte has gone
    monkeypatch.setattr(counters, "MOVEMENTS_RECOUNT_SECONDS", 3600)
    monkeypatch.setattr(counters, "EXPECTED_RECOUNT_SECONDS", 3600)

    # The answer adds its own admission to the kept counters; the rows are counted after it has gone.
    assert before_sending == {"inside": 1, "checked_in": 1, "expected": 3}
    assert counters.door_counts(door=door) == {"inside": 3, "checked_in": 3, "expected": 4}


def test_work_failing_after_the_answer_is_logged_and_the_answer_stands(door, volunteer, make_ticket, caplog):
    from checkin import views_api

    response = views_api.DoorAnswer({"ok": True}, later=[lambda: 1 / 0])
    closed = []
    response._resource_closers.append(lambda: closed.append(True))

    response.close()

    assert json.loads(response.content) == {"ok": True}
    assert closed == [True]  # the response's own closing still runs
    assert "Work put off until after a door's answer failed" in caplog.text
    assert "ZeroDivisionError" in caplog.text


def test_counts_wait_for_nothing_when_none_are_kept(volunteer_client, door, make_ticket, monkeypatch):
    """A worker's first answer, or the first after an undo or an offline sync, counts the rows at once."""
    from checkin import counters

    ada = make_ticket()
    make_ticket()
    CheckInFactory(door=door, ticket=ada)
    counters.forget_door_counts(door.pk)

    assert volunteer_client.get(url(door, "counts")).json() == {"inside": 1, "checked_in": 1, "expected": 2}
