"""Placing and cancelling orders: free and paid, holds and their expiry, and every way the input can be wrong."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from attendees.models import Order, Ticket
from attendees.services import RegistrationError, cancel_order, claim_orders_for_user, place_order
from attendees.services.orders import release_expired_holds
from attendees.services.payments import CHECKOUT_LIFETIME, HOLD_GRACE
from events.models import Event, TicketType
from tests.attendees.helpers import assert_counters_match, counters
from tests.factories import EventFactory, TicketTypeFactory, UserFactory
from tests.fakestripe import FakeStripe

pytestmark = pytest.mark.django_db


def register(event, quantities, *, email="ada@example.com", **kwargs):
    holders = kwargs.pop("holders", None)
    if holders is None:
        holders = [(f"Holder {i}", f"holder{i}@example.com") for i in range(sum(quantities.values()))]
    return place_order(
        event=event,
        quantities=quantities,
        holders=holders,
        buyer_name=kwargs.pop("buyer_name", "Ada Lovelace"),
        buyer_email=email,
        **kwargs,
    )


@pytest.fixture
def free_type(db):
    return TicketTypeFactory(event=EventFactory(capacity=10), quantity=10)


@pytest.fixture
def paid_type(db):
    return TicketTypeFactory(event=EventFactory(capacity=10), quantity=10, price=Decimal("12.50"))


def test_place_order_free_is_confirmed_with_one_ticket_per_holder(free_type, django_capture_on_commit_callbacks):
    event = free_type.event
    holders = [("Ada Lovelace", "Ada@Example.com "), ("Grace Hopper", "grace@example.com")]

    order = register(event, {free_type.pk: 2}, holders=holders, marketing_consent=True, language="fr")

    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert (order.total, order.buyer_email, order.language, order.marketing_consent) == (
        Decimal("0.00"),
        "ada@example.com",
        "fr",
        True,
    )
    assert order.marketing_consent_at == order.created_at == order.confirmed_at
    assert order.hold_expires_at is None
    assert list(order.tickets.order_by("pk").values_list("holder_name", "holder_email", "status")) == [
        ("Ada Lovelace", "ada@example.com", Ticket.Status.VALID),
        ("Grace Hopper", "grace@example.com", Ticket.Status.VALID),
    ]
    assert counters(event) == (2, {free_type.pk: 2})
    assert_counters_match(event)


def test_place_order_changes_event_updated_at_for_the_page_cache(free_type):
    event = free_type.event
    before = Event.objects.get(pk=event.pk).updated_at

    register(event, {free_type.pk: 1})

    assert Event.objects.get(pk=event.pk).updated_at > before


def test_place_order_without_consent_stores_no_consent_time(free_type):
    order = register(free_type.event, {free_type.pk: 1}, marketing_consent=False)

    assert (order.marketing_consent, order.marketing_consent_at) == (False, None)


def test_place_order_signed_in_user_is_attached(free_type):
    user = UserFactory()

    order = register(free_type.event, {free_type.pk: 1}, user=user)

    assert Order.objects.get(pk=order.pk).user == user


def test_claim_orders_for_user_attaches_orders_of_verified_addresses(free_type):
    user = UserFactory(email="ada@example.com")
    mine = register(free_type.event, {free_type.pk: 1}, email="ADA@example.com")
    other = register(free_type.event, {free_type.pk: 1}, email="someone@example.com")

    assert claim_orders_for_user(user=user) == 1

    assert list(Order.objects.filter(user=user)) == [mine]
    assert Order.objects.get(pk=other.pk).user is None


def test_place_order_secrets_are_distinct_and_long(free_type):
    order = register(free_type.event, {free_type.pk: 3})

    secrets = list(order.tickets.values_list("secret", flat=True))
    assert len(set(secrets)) == 3
    assert all(len(s) == 32 for s in secrets)


def test_place_order_holders_follow_the_order_of_quantities(free_type):
    event = free_type.event
    second = TicketTypeFactory(event=event, name="Speaker", quantity=5, position=0)

    order = register(event, {free_type.pk: 1, second.pk: 1}, holders=[("A", "a@example.com"), ("B", "b@example.com")])

    by_holder = dict(order.tickets.values_list("holder_name", "ticket_type_id"))
    assert by_holder == {"A": free_type.pk, "B": second.pk}


def test_place_order_more_than_left_is_refused_and_changes_nothing(free_type):
    event = free_type.event
    register(event, {free_type.pk: 8})

    with pytest.raises(RegistrationError) as exc:
        register(event, {free_type.pk: 3}, email="late@example.com")

    assert (exc.value.code, exc.value.message) == ("not_enough_left", "Only 2 places are left.")
    assert Order.objects.count() == 1
    assert counters(event) == (8, {free_type.pk: 8})


def test_place_order_sold_out_event(free_type):
    register(free_type.event, {free_type.pk: 10})

    with pytest.raises(RegistrationError) as exc:
        register(free_type.event, {free_type.pk: 1}, email="late@example.com")

    assert (exc.value.code, exc.value.message) == ("sold_out", "This event is sold out.")


def test_place_order_more_than_left_of_a_ticket_type(db):
    event = EventFactory(capacity=20)
    ticket_type = TicketTypeFactory(event=event, quantity=3)
    register(event, {ticket_type.pk: 1})

    with pytest.raises(RegistrationError) as exc:
        register(event, {ticket_type.pk: 3}, email="late@example.com")

    assert (exc.value.code, exc.value.message) == ("not_enough_left", "Only 2 “General admission” tickets are left.")


def test_place_order_sold_out_ticket_type(db):
    event = EventFactory(capacity=20)
    ticket_type = TicketTypeFactory(event=event, quantity=1)
    register(event, {ticket_type.pk: 1})

    with pytest.raises(RegistrationError) as exc:
        register(event, {ticket_type.pk: 1}, email="late@example.com")

    assert (exc.value.code, exc.value.message) == ("sold_out", "“General admission” is sold out.")


def test_place_order_event_capacity_binds_across_ticket_types(db):
    event = EventFactory(capacity=3)
    first = TicketTypeFactory(event=event, quantity=5)
    second = TicketTypeFactory(event=event, name="Student", quantity=5)
    register(event, {first.pk: 2})

    with pytest.raises(RegistrationError) as exc:
        register(event, {second.pk: 2}, email="b@example.com")

    assert (exc.value.code, exc.value.message) == ("not_enough_left", "Only 1 place is left.")
    register(event, {second.pk: 1}, email="c@example.com")
    with pytest.raises(RegistrationError) as exc:
        register(event, {first.pk: 1}, email="d@example.com")
    assert (exc.value.code, exc.value.message) == ("sold_out", "This event is sold out.")
    assert counters(event) == (3, {first.pk: 2, second.pk: 1})


def test_place_order_no_event_capacity_uses_ticket_type_quantities(db):
    event = EventFactory(capacity=None)
    ticket_type = TicketTypeFactory(event=event, quantity=2)

    register(event, {ticket_type.pk: 2})

    with pytest.raises(RegistrationError) as exc:
        register(event, {ticket_type.pk: 1}, email="b@example.com")
    assert exc.value.code == "sold_out"


@pytest.mark.parametrize(
    ("quantities", "code", "message"),
    [
        ({}, "quantity_out_of_range", "Choose at least one ticket."),
        ({"TT": 0}, "quantity_out_of_range", "Choose at least one ticket."),
        ({"TT": -1}, "quantity_out_of_range", "Choose between 0 and 10 tickets of each type."),
        ({"TT": 11}, "quantity_out_of_range", "Choose between 0 and 10 tickets of each type."),
        ({"TT": "2"}, "quantity_out_of_range", "Choose between 0 and 10 tickets of each type."),
        ({"TT": 1.5}, "quantity_out_of_range", "Choose between 0 and 10 tickets of each type."),
        ({"TT": True}, "quantity_out_of_range", "Choose between 0 and 10 tickets of each type."),
        ({"abc": 1}, "unknown_ticket_type", "This ticket type is not available for this event."),
        ({999999: 1}, "unknown_ticket_type", "This ticket type is not available for this event."),
        ([1], "quantity_out_of_range", "Choose how many tickets you want."),
    ],
)
def test_place_order_bad_quantities_are_refused(free_type, quantities, code, message):
    if isinstance(quantities, dict):
        quantities = {free_type.pk if k == "TT" else k: v for k, v in quantities.items()}

    with pytest.raises(RegistrationError) as exc:
        place_order(
            event=free_type.event,
            quantities=quantities,
            holders=[("A", "a@example.com")],
            buyer_name="Ada",
            buyer_email="ada@example.com",
        )

    assert (exc.value.code, exc.value.message) == (code, message)
    assert Order.objects.count() == 0
    assert counters(free_type.event) == (0, {free_type.pk: 0})


def test_place_order_more_than_ten_in_total_is_refused(db):
    event = EventFactory(capacity=50)
    first, second = TicketTypeFactory(event=event), TicketTypeFactory(event=event)

    with pytest.raises(RegistrationError) as exc:
        register(event, {first.pk: 6, second.pk: 5})

    assert (exc.value.code, exc.value.message) == ("quantity_out_of_range", "You can take at most 10 tickets at once.")


def test_place_order_ticket_type_of_another_event_is_refused(free_type):
    other = TicketTypeFactory(event=EventFactory(), quantity=10)

    with pytest.raises(RegistrationError) as exc:
        register(free_type.event, {other.pk: 1})

    assert exc.value.code == "unknown_ticket_type"
    assert Order.objects.count() == 0
    assert counters(other.event) == (0, {other.pk: 0})


@pytest.mark.parametrize(
    ("holders", "code"),
    [
        ([], "holders_mismatch"),
        ([("A", "a@example.com"), ("B", "b@example.com")], "holders_mismatch"),
        ([("A",)], "holders_mismatch"),
        ("A a@example.com", "holders_mismatch"),
        ([("  ", "a@example.com")], "name_required"),
        ([("A", "not-an-email")], "email_invalid"),
        ([("A", "a@example")], "email_invalid"),
        ([("A", None)], "email_invalid"),
        ([("A" * 201, "a@example.com")], "name_required"),
    ],
)
def test_place_order_bad_holders_are_refused(free_type, holders, code):
    with pytest.raises(RegistrationError) as exc:
        register(free_type.event, {free_type.pk: 1}, holders=holders)

    assert exc.value.code == code
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("buyer_name", "email", "code", "field"),
    [
        ("", "ada@example.com", "name_required", "buyer_name"),
        ("Ada", "ada@@example.com", "email_invalid", "buyer_email"),
        ("Ada", "ada@example.com\n", None, None),
        ("Ada", "a" * 250 + "@example.com", "email_invalid", "buyer_email"),
    ],
)
def test_place_order_buyer_details_are_checked(free_type, buyer_name, email, code, field):
    if code is None:
        assert register(free_type.event, {free_type.pk: 1}, buyer_name=buyer_name, email=email).buyer_email == (
            "ada@example.com"
        )
        return
    with pytest.raises(RegistrationError) as exc:
        register(free_type.event, {free_type.pk: 1}, buyer_name=buyer_name, email=email)

    assert (exc.value.code, exc.value.field) == (code, field)
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"status": Event.Status.CANCELLED}, "event_cancelled", "This event has been cancelled."),
        ({"status": Event.Status.DRAFT}, "registration_closed", "Registration for this event is closed."),
        ({"registration_closes_at": "past"}, "registration_closed", "Registration for this event is closed."),
        ({"registration_opens_at": "future"}, "registration_closed", "Registration for this event is closed."),
        ({"start": "past"}, "registration_closed", "Registration for this event is closed."),
    ],
)
def test_place_order_closed_or_cancelled_event_is_refused(free_type, change, code, message):
    now = timezone.now()
    values = {
        "past": now - dt.timedelta(days=2),
        "future": now + dt.timedelta(days=1),
    }
    fields = {k: values.get(v, v) for k, v in change.items()}
    if "start" in fields:
        fields["end"] = fields["start"] + dt.timedelta(hours=1)
    Event.objects.filter(pk=free_type.event_id).update(**fields)
    event = Event.objects.get(pk=free_type.event_id)

    with pytest.raises(RegistrationError) as exc:
        register(event, {free_type.pk: 1})

    assert (exc.value.code, exc.value.message) == (code, message)
    assert Order.objects.count() == 0


def test_place_order_stale_event_object_is_rechecked_under_the_lock(free_type):
    stale = free_type.event  # still says "published"
    Event.objects.filter(pk=stale.pk).update(status=Event.Status.CANCELLED)

    with pytest.raises(RegistrationError) as exc:
        register(stale, {free_type.pk: 1})

    assert exc.value.code == "event_cancelled"


def test_place_order_ticket_type_not_on_sale(free_type):
    free_type.sales_end = timezone.now() - dt.timedelta(hours=1)
    free_type.save()

    with pytest.raises(RegistrationError) as exc:
        register(free_type.event, {free_type.pk: 1})

    assert (exc.value.code, exc.value.message) == ("not_on_sale", "“General admission” is not on sale.")


def test_place_order_twice_with_the_same_email_is_refused(free_type):
    register(free_type.event, {free_type.pk: 1}, email="ada@example.com")

    with pytest.raises(RegistrationError) as exc:
        register(free_type.event, {free_type.pk: 1}, email="ADA@example.com")

    assert (exc.value.code, exc.value.message) == (
        "duplicate",
        "This e-mail address is already registered for this event.",
    )
    assert Order.objects.count() == 1


def test_place_order_again_after_cancelling_is_allowed(free_type):
    cancel_order(order=register(free_type.event, {free_type.pk: 1}))

    order = register(free_type.event, {free_type.pk: 1})

    assert order.status == Order.Status.CONFIRMED


def test_place_order_mixed_currencies_are_refused(db):
    event = EventFactory()
    eur = TicketTypeFactory(event=event, price=Decimal("5"), currency="EUR")
    usd = TicketTypeFactory(event=event, price=Decimal("5"), currency="USD")

    with pytest.raises(RegistrationError) as exc:
        register(event, {eur.pk: 1, usd.pk: 1})

    assert exc.value.code == "mixed_currencies"


def test_place_order_paid_without_stripe_keys_is_refused(paid_type, settings):
    settings.STRIPE_SECRET_KEY = ""

    with pytest.raises(RegistrationError) as exc:
        register(paid_type.event, {paid_type.pk: 1})

    assert (exc.value.code, exc.value.message) == (
        "payments_not_configured",
        "Payments are not set up for this event yet.",
    )
    assert Order.objects.count() == 0
    assert counters(paid_type.event) == (0, {paid_type.pk: 0})


def test_place_order_free_works_without_stripe_keys(free_type, settings):
    settings.STRIPE_SECRET_KEY = ""

    assert register(free_type.event, {free_type.pk: 1}).status == Order.Status.CONFIRMED


def test_place_order_paid_holds_seats_and_opens_checkout(paid_type, fake_stripe):
    event = paid_type.event
    before = timezone.now()

    order = register(event, {paid_type.pk: 2}, language="fr")

    order.refresh_from_db()
    session = fake_stripe.sessions[order.stripe_checkout_session_id]
    assert order.status == Order.Status.PENDING_PAYMENT
    assert (order.total, order.currency) == (Decimal("25.00"), "EUR")
    assert order.stripe_checkout_url == f"{fake_stripe.base_url}/pay/{session['id']}"
    assert order.hold_expires_at == dt.datetime.fromtimestamp(session["expires_at"], tz=dt.UTC)
    assert before + CHECKOUT_LIFETIME - dt.timedelta(seconds=1) <= order.hold_expires_at
    assert (session["amount_total"], session["currency"], session["locale"]) == (2500, "eur", "fr")
    assert session["metadata"] == {"order_id": str(order.pk), "order_reference": order.reference}
    assert session["client_reference_id"] == str(order.pk)
    assert session["customer_email"] == "ada@example.com"
    assert session["success_url"] == f"http://localhost:8000/orders/{order.access_token}/?checkout=success"
    assert fake_stripe.requests == [
        ("POST", "/v1/checkout/sessions", f"checkout-{order.pk}-{order.reference}"),
    ]
    assert counters(event) == (2, {paid_type.pk: 2})


def test_place_order_paid_when_stripe_fails_releases_the_hold(paid_type, fake_stripe):
    fake_stripe.fail_next("POST", "/v1/checkout/sessions", status=500)

    with pytest.raises(RegistrationError) as exc:
        register(paid_type.event, {paid_type.pk: 2})

    assert exc.value.code == "payment_unavailable"
    assert list(Order.objects.values_list("status", flat=True)) == [Order.Status.CANCELLED]
    assert counters(paid_type.event) == (0, {paid_type.pk: 0})
    assert fake_stripe.sessions == {}


def test_place_order_paid_when_stripe_is_unreachable_releases_the_hold(paid_type, fake_stripe, settings):
    fake_stripe.stop()

    with pytest.raises(RegistrationError) as exc:
        register(paid_type.event, {paid_type.pk: 1})

    assert exc.value.code == "payment_unavailable"
    assert counters(paid_type.event) == (0, {paid_type.pk: 0})
    # The buyer may try again at once: the released order does not count as "already registered".
    back = FakeStripe(api_key=fake_stripe.api_key).start()
    settings.STRIPE_API_BASE = back.base_url
    try:
        assert register(paid_type.event, {paid_type.pk: 1}).status == Order.Status.PENDING_PAYMENT
    finally:
        back.stop()


def test_place_order_paid_twice_while_payment_pending_is_refused(paid_type, fake_stripe):
    register(paid_type.event, {paid_type.pk: 1})

    with pytest.raises(RegistrationError) as exc:
        register(paid_type.event, {paid_type.pk: 1})

    assert exc.value.code == "payment_in_progress"
    assert len(fake_stripe.sessions) == 1


def test_place_order_mixed_free_and_paid_charges_only_the_paid_lines(db, fake_stripe):
    event = EventFactory(capacity=10)
    free = TicketTypeFactory(event=event, name="Child", price=Decimal("0"))
    paid = TicketTypeFactory(event=event, name="Adult", price=Decimal("8"))

    order = register(event, {free.pk: 1, paid.pk: 2})

    session = fake_stripe.sessions[order.stripe_checkout_session_id]
    assert (order.total, session["amount_total"]) == (Decimal("16"), 1600)
    assert counters(event) == (3, {free.pk: 1, paid.pk: 2})


def test_cancel_order_gives_the_seats_back(free_type):
    order = register(free_type.event, {free_type.pk: 3})

    cancel_order(order=order)

    order.refresh_from_db()
    assert (order.status, order.cancelled_at is not None) == (Order.Status.CANCELLED, True)
    assert set(order.tickets.values_list("status", flat=True)) == {Ticket.Status.CANCELLED}
    assert counters(free_type.event) == (0, {free_type.pk: 0})


def test_cancel_order_twice_is_refused_and_changes_nothing(free_type):
    order = register(free_type.event, {free_type.pk: 1})
    cancel_order(order=order)

    with pytest.raises(RegistrationError) as exc:
        cancel_order(order=order)

    assert exc.value.code == "not_cancellable"
    assert counters(free_type.event) == (0, {free_type.pk: 0})


def test_cancel_order_unpaid_expires_its_checkout_session(paid_type, fake_stripe, django_capture_on_commit_callbacks):
    order = register(paid_type.event, {paid_type.pk: 1})

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order)

    assert fake_stripe.sessions[order.stripe_checkout_session_id]["status"] == "expired"
    assert counters(paid_type.event) == (0, {paid_type.pk: 0})


def test_release_expired_holds_frees_only_holds_past_their_grace(paid_type, fake_stripe):
    event = paid_type.event
    old = register(event, {paid_type.pk: 2}, email="old@example.com")
    fresh = register(event, {paid_type.pk: 1}, email="fresh@example.com")
    Order.objects.filter(pk=old.pk).update(hold_expires_at=timezone.now() - HOLD_GRACE - dt.timedelta(seconds=1))

    assert release_expired_holds() == 1
    assert release_expired_holds() == 0

    assert dict(Order.objects.values_list("pk", "status")) == {
        old.pk: Order.Status.EXPIRED,
        fresh.pk: Order.Status.PENDING_PAYMENT,
    }
    assert counters(event) == (1, {paid_type.pk: 1})
    assert_counters_match(event)


def test_place_order_sold_out_frees_expired_holds_itself(paid_type, fake_stripe):
    event = paid_type.event
    stale = register(event, {paid_type.pk: 10}, email="slow@example.com")
    Order.objects.filter(pk=stale.pk).update(hold_expires_at=timezone.now() - HOLD_GRACE - dt.timedelta(minutes=1))

    order = register(event, {paid_type.pk: 4}, email="next@example.com")

    assert Order.objects.get(pk=stale.pk).status == Order.Status.EXPIRED
    assert order.status == Order.Status.PENDING_PAYMENT
    assert counters(event) == (4, {paid_type.pk: 4})


def test_place_order_accepts_ticket_type_ids_as_form_strings(free_type):
    order = register(free_type.event, {str(free_type.pk): 1})

    assert list(order.tickets.values_list("ticket_type_id", flat=True)) == [free_type.pk]


def test_place_order_for_an_event_deleted_meanwhile_is_refused(free_type):
    stale = free_type.event
    TicketType.objects.filter(event=stale).delete()
    Event.objects.filter(pk=stale.pk).delete()

    with pytest.raises(RegistrationError) as exc:
        register(stale, {free_type.pk: 1})

    assert exc.value.code == "registration_closed"
