"""Ticket secrets and the lookups by secret or token."""

import pytest

from attendees.models import Order
from attendees.secrets import is_well_formed_secret, new_ticket_secret
from attendees.selectors import offer_by_token, order_by_token, pending_order_for, ticket_by_secret
from attendees.services import place_order
from tests.attendees.factories import OrderFactory, TicketFactory, WaitingListEntryFactory
from tests.factories import EventFactory, TicketTypeFactory


def test_new_ticket_secret_100000_without_collision():
    secrets = {new_ticket_secret() for _ in range(100_000)}

    assert len(secrets) == 100_000
    assert {len(s) for s in secrets} == {32}  # 24 random bytes = 192 bits
    assert all(is_well_formed_secret(s) for s in list(secrets)[:1000])


@pytest.mark.django_db
def test_ticket_by_secret_finds_the_ticket():
    ticket = TicketFactory()

    assert ticket_by_secret(secret=ticket.secret) == ticket


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),  # one character changed
        lambda s: s[:-1],  # truncated
        lambda s: s + "x",  # extended
        lambda s: s.upper() if s.upper() != s else s.lower(),  # case changed
        lambda s: " " + s[1:],
        lambda s: "' OR 1=1 --" + s[11:],
        lambda s: None,
        lambda s: 12345,
    ],
)
def test_ticket_by_secret_refuses_unknown_or_tampered_secrets(tamper, django_assert_max_num_queries):
    ticket = TicketFactory()
    forged = tamper(ticket.secret)

    with django_assert_max_num_queries(1):
        assert ticket_by_secret(secret=forged) is None


@pytest.mark.django_db
def test_ticket_by_secret_malformed_secret_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert ticket_by_secret(secret="short") is None


@pytest.mark.django_db
def test_ticket_secret_is_random_not_derived_from_the_holder():
    event = EventFactory(capacity=10)
    ticket_type = TicketTypeFactory(event=event)
    order = place_order(
        event=event,
        quantities={ticket_type.pk: 2},
        holders=[("Ada Lovelace", "ada@example.com"), ("Ada Lovelace", "ada@example.com")],
        buyer_name="Ada Lovelace",
        buyer_email="ada@example.com",
    )

    first, second = order.tickets.values_list("secret", flat=True)

    # The same holder twice gets two unrelated secrets: nothing in them comes from who holds the ticket.
    assert first != second
    assert is_well_formed_secret(first) and is_well_formed_secret(second)


@pytest.mark.django_db
def test_ticket_admits_only_valid_tickets_of_confirmed_orders():
    confirmed = TicketFactory()
    unpaid = TicketFactory(order=OrderFactory(status=Order.Status.PENDING_PAYMENT))
    cancelled = TicketFactory(status="cancelled")

    assert [ticket_by_secret(secret=t.secret).admits for t in (confirmed, unpaid, cancelled)] == [True, False, False]


@pytest.mark.django_db
@pytest.mark.parametrize("tickets", [1, 3])
def test_order_by_token_loads_the_page_in_constant_queries(tickets, django_assert_num_queries):
    order = OrderFactory()
    for _ in range(tickets):
        TicketFactory(order=order)

    with django_assert_num_queries(3):
        found = order_by_token(token=order.access_token)
        names = [(t.holder_name, t.ticket_type.name) for t in found.tickets.all()]
        venue = found.event.venue.name

    assert (found, len(names), venue) == (order, tickets, "La Cantine")


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "x", None, "a" * 65, "unknown-token-unknown-token-000"])
def test_order_by_token_unknown_or_malformed_is_none(token):
    OrderFactory()

    assert order_by_token(token=token) is None


@pytest.mark.django_db
def test_offer_by_token_finds_the_entry():
    entry = WaitingListEntryFactory(offer_token="t" * 32, status="offered")

    assert (offer_by_token(token="t" * 32), offer_by_token(token="u" * 32)) == (entry, None)


@pytest.mark.django_db
def test_pending_order_for_finds_the_unpaid_order_of_that_email():
    pending = OrderFactory(status=Order.Status.PENDING_PAYMENT, buyer_email="ada@example.com")
    OrderFactory(event=pending.event, status=Order.Status.CONFIRMED, buyer_email="bo@example.com")

    assert pending_order_for(event=pending.event, email=" ADA@example.com") == pending
    assert pending_order_for(event=pending.event, email="bo@example.com") is None
