"""The registration and waiting-list forms: fields built from the event, and what they hand to the services."""

from decimal import Decimal

import pytest

from attendees.forms import RegistrationForm, WaitingListForm
from attendees.models import Question
from events.selectors import ticket_types_for_page
from tests.factories import EventFactory, TicketTypeFactory


@pytest.fixture
def event(db):
    return EventFactory(community__name="Lyon Rust", capacity=30, max_tickets_per_order=4)


def _form(event, data=None, *, holder_count=1, questions=(), limit=None):
    return RegistrationForm(
        data,
        event=event,
        ticket_types=ticket_types_for_page(event=event),
        questions=list(questions),
        holder_count=holder_count,
        limit=limit,
    )


def test_registration_form_quantity_choices_follow_the_limits(event):
    roomy = TicketTypeFactory(event=event, name="Roomy", quantity=30)
    tight = TicketTypeFactory(event=event, name="Tight", quantity=2)

    form = _form(event)

    assert [c[0] for c in form.fields[f"quantity_{roomy.pk}"].choices] == [0, 1, 2, 3, 4]
    assert [c[0] for c in form.fields[f"quantity_{tight.pk}"].choices] == [0, 1, 2]
    assert form.fields[f"quantity_{roomy.pk}"].initial == 0  # several types: the fan picks


def test_registration_form_single_type_defaults_to_one_ticket(event):
    only = TicketTypeFactory(event=event, quantity=30)

    assert _form(event).fields[f"quantity_{only.pk}"].initial == 1


def test_registration_form_types_off_sale_get_no_field(event):
    sold_out = TicketTypeFactory(event=event, quantity=3)
    sold_out.quantity_sold = 3
    sold_out.save()

    form = _form(event)

    assert f"quantity_{sold_out.pk}" not in form.fields
    assert form.ticket_rows == [(sold_out, None)]


def test_registration_form_consent_is_unticked_and_names_the_community(event):
    field = _form(event).fields["marketing_consent"]

    assert field.label == "Send me news about future events of Lyon Rust"
    assert field.initial is None and field.required is False


def test_registration_form_holders_default_to_the_buyer_email(event):
    standard = TicketTypeFactory(event=event, quantity=30)
    data = {
        f"quantity_{standard.pk}": "3",
        "buyer_name": "Alex",
        "buyer_email": "alex@example.com",
        "holder_1_name": "Sam",
        "holder_1_email": "sam@example.com",
        "holder_2_name": "Lou",
    }

    form = _form(event, data, holder_count=3)

    assert form.is_valid(), form.errors
    assert form.quantities() == {standard.pk: 3}
    assert form.holders() == [("Alex", "alex@example.com"), ("Sam", "sam@example.com"), ("Lou", "alex@example.com")]
    assert form.missing_holders() is False


def test_registration_form_answers_per_order_and_per_ticket(event):
    standard = TicketTypeFactory(event=event, quantity=30)
    topics = Question.objects.create(event=event, label="Topics", kind="multiple_choice", choices="Rust\nGo")
    company = Question.objects.create(event=event, label="Company", per_ticket=True)
    data = {
        f"quantity_{standard.pk}": "2",
        "buyer_name": "Alex",
        "buyer_email": "alex@example.com",
        "holder_1_name": "Sam",
        f"question_{topics.pk}": ["Go", "Rust"],
        f"question_{company.pk}_1": "Globex",
    }

    form = _form(event, data, holder_count=2, questions=[topics, company])

    assert form.is_valid(), form.errors
    assert form.answers() == {(topics.pk, None): ["Go", "Rust"], (company.pk, 1): "Globex"}


def test_registration_form_maps_service_fields_to_its_own(event):
    form = _form(event, holder_count=2)

    assert form.field_for_error("holder_0_name") == "buyer_name"
    assert form.field_for_error("holder_0_email") == "buyer_email"
    assert form.field_for_error("holder_1_name") == "holder_1_name"
    assert form.field_for_error("quantity_99999") is None
    assert form.field_for_error(None) is None


def test_registration_form_paid_and_free_types_side_by_side(event):
    paid = TicketTypeFactory(event=event, price=Decimal("5"), quantity=30)

    form = _form(event, limit=2)

    assert [c[0] for c in form.fields[f"quantity_{paid.pk}"].choices] == [0, 1, 2]
    assert len(form.holder_blocks) == 1


def test_waiting_list_form_quantity_from_one_to_the_limit(db):
    form = WaitingListForm({"name": "Sam", "email": "sam@example.com", "quantity": "3"}, limit=3)

    assert form.is_valid()
    assert form.cleaned_data["quantity"] == 3
    assert [c[0] for c in form.fields["quantity"].choices] == [1, 2, 3]


def test_registration_form_builds_holder_fields_only_for_the_blocks_shown(event):
    TicketTypeFactory(event=event, quantity=30)

    one = _form(event)
    three = _form(event, holder_count=3)

    assert [b["index"] for b in one.holder_blocks] == [0]
    assert not any(name.startswith("holder_") for name in one.fields)
    assert [b["index"] for b in three.holder_blocks] == [0, 1, 2]
    assert sorted(n for n in three.fields if n.startswith("holder_")) == [
        "holder_1_email",
        "holder_1_name",
        "holder_2_email",
        "holder_2_name",
    ]


def test_registration_form_ignores_a_block_beyond_the_tickets_picked(event):
    standard = TicketTypeFactory(event=event, quantity=30)
    data = {
        f"quantity_{standard.pk}": "1",
        "buyer_name": "Alex",
        "buyer_email": "alex@example.com",
        "holder_2_name": "x" * 500,
        "holder_2_email": "not an e-mail",
    }

    form = _form(event, data)

    assert form.is_valid(), form.errors
    assert form.holders() == [("Alex", "alex@example.com")]
