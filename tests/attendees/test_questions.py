"""Questions at registration: answers checked before anything is written, then saved with the order."""

import pytest

from attendees.models import Answer, Order, Question
from attendees.services import RegistrationError, place_order
from tests.attendees.helpers import assert_counters_match
from tests.factories import EventFactory, TicketTypeFactory


@pytest.fixture
def ticket_type(db):
    return TicketTypeFactory(event=EventFactory(capacity=10), quantity=10)


def _question(event, **fields):
    return Question.objects.create(event=event, label=fields.pop("label", "Question"), **fields)


def _place(ticket_type, *, answers=None, count=1):
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: count},
        holders=[(f"Holder {i}", f"holder{i}@example.com") for i in range(count)],
        buyer_name="Holder 0",
        buyer_email="holder0@example.com",
        answers=answers,
    )


def test_place_order_saves_answers_per_order_and_per_ticket(ticket_type):
    event = ticket_type.event
    diet = _question(event, label="Diet", kind=Question.Kind.SINGLE_CHOICE, choices="None\nVegetarian\nVegan\n")
    topics = _question(event, label="Topics", kind=Question.Kind.MULTIPLE_CHOICE, choices="Rust\nGo\nPython")
    coc = _question(event, label="Code of conduct", kind=Question.Kind.REQUIRED_CHECKBOX, required=True)
    company = _question(event, label="Company", per_ticket=True)
    _question(event, label="Anything else?", kind=Question.Kind.LONG_TEXT)

    order = _place(
        ticket_type,
        count=2,
        answers={
            (diet.pk, None): "Vegan",
            (topics.pk, None): ["Python", "Rust"],
            (coc.pk, None): "on",
            (company.pk, 0): "  Acme   Ltd ",
            (company.pk, 1): "",
        },
    )

    tickets = list(order.tickets.order_by("pk"))
    assert sorted(Answer.objects.values_list("question__label", "ticket", "value")) == [
        ("Code of conduct", None, "yes"),
        ("Company", tickets[0].pk, "Acme Ltd"),
        ("Diet", None, "Vegan"),
        ("Topics", None, "Rust\nPython"),
    ]
    assert Answer.objects.get(question=topics).values == ["Rust", "Python"]
    assert set(Answer.objects.values_list("order", flat=True)) == {order.pk}


@pytest.mark.parametrize(
    ("kind", "choices", "value", "code", "message"),
    [
        (Question.Kind.SHORT_TEXT, "", "", "answer_required", "Answer this question."),
        (Question.Kind.SHORT_TEXT, "", "   ", "answer_required", "Answer this question."),
        (Question.Kind.LONG_TEXT, "", None, "answer_required", "Answer this question."),
        (Question.Kind.SHORT_TEXT, "", "x" * 301, "answer_invalid", "Keep the answer under 301 characters."),
        (Question.Kind.LONG_TEXT, "", "bad\x00byte", "answer_invalid", "This answer is not valid."),
        (Question.Kind.SHORT_TEXT, "", ["a list"], "answer_invalid", "This answer is not valid."),
        (Question.Kind.SINGLE_CHOICE, "A\nB", "C", "answer_invalid", "Choose from the list."),
        (Question.Kind.SINGLE_CHOICE, "A\nB", "", "answer_required", "Choose one."),
        (Question.Kind.MULTIPLE_CHOICE, "A\nB", ["A", "Z"], "answer_invalid", "Choose from the list."),
        (Question.Kind.MULTIPLE_CHOICE, "A\nB", [1], "answer_invalid", "Choose from the list."),
        (Question.Kind.MULTIPLE_CHOICE, "A\nB", [], "answer_required", "Choose at least one."),
        (Question.Kind.REQUIRED_CHECKBOX, "", "", "answer_required", "Tick this box to register."),
        (Question.Kind.REQUIRED_CHECKBOX, "", None, "answer_required", "Tick this box to register."),
    ],
)
def test_place_order_bad_answer_is_refused_and_changes_nothing(ticket_type, kind, choices, value, code, message):
    question = _question(ticket_type.event, kind=kind, choices=choices, required=True)

    with pytest.raises(RegistrationError) as refused:
        _place(ticket_type, answers={(question.pk, None): value})

    assert (refused.value.code, refused.value.message, refused.value.field) == (
        code,
        message,
        f"question_{question.pk}",
    )
    assert Order.objects.count() == 0
    assert Answer.objects.count() == 0
    assert_counters_match(ticket_type.event)


def test_place_order_required_question_without_answers_is_refused(ticket_type):
    question = _question(ticket_type.event, required=True)

    with pytest.raises(RegistrationError) as refused:
        _place(ticket_type)

    assert (refused.value.code, refused.value.field) == ("answer_required", f"question_{question.pk}")
    assert Order.objects.count() == 0


def test_place_order_required_per_ticket_question_names_the_holder_field(ticket_type):
    question = _question(ticket_type.event, required=True, per_ticket=True)

    with pytest.raises(RegistrationError) as refused:
        _place(ticket_type, count=2, answers={(question.pk, 0): "Acme"})

    assert (refused.value.code, refused.value.field) == ("answer_required", f"question_{question.pk}_1")
    assert Order.objects.count() == 0


@pytest.mark.parametrize("key", ["other_event", (999999, None), ("x", None), "flat", ("per_order", 0)])
def test_place_order_answer_to_a_question_not_asked_is_refused(ticket_type, key):
    other = _question(EventFactory(), label="Elsewhere")
    asked = _question(ticket_type.event, label="Here")
    keys = {
        "other_event": (other.pk, None),
        "flat": asked.pk,
        "per_order": (asked.pk, 0),
    }

    with pytest.raises(RegistrationError) as refused:
        _place(ticket_type, answers={keys.get(key, key): "yes"})

    assert (refused.value.code, refused.value.message) == (
        "answer_invalid",
        "This question is not asked for this event.",
    )
    assert Order.objects.count() == 0


def test_place_order_per_ticket_answer_beyond_the_tickets_is_refused(ticket_type):
    question = _question(ticket_type.event, per_ticket=True)

    with pytest.raises(RegistrationError) as refused:
        _place(ticket_type, count=1, answers={(question.pk, 1): "Acme"})

    assert refused.value.code == "answer_invalid"
    assert Order.objects.count() == 0


def test_place_order_answers_not_a_dict_are_refused(ticket_type):
    with pytest.raises(RegistrationError) as refused:
        _place(ticket_type, answers=["yes"])

    assert refused.value.code == "answer_invalid"


def test_place_order_optional_questions_left_blank_store_nothing(ticket_type):
    _question(ticket_type.event, kind=Question.Kind.SHORT_TEXT)
    _question(ticket_type.event, kind=Question.Kind.MULTIPLE_CHOICE, choices="A\nB")
    _question(ticket_type.event, kind=Question.Kind.REQUIRED_CHECKBOX)

    order = _place(ticket_type)

    assert order.status == Order.Status.CONFIRMED
    assert Answer.objects.count() == 0


def test_question_choice_list_skips_blank_lines():
    question = Question(choices="  Vegan \n\nNone\r\n")

    assert question.choice_list == ["Vegan", "None"]
