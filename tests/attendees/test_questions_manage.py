"""The organiser's questions editor: the services that write questions, and their pages."""

import pytest
from django.urls import reverse

from attendees.models import Answer, Question
from attendees.services import RegistrationError, place_order
from attendees.services.questions_manage import create_question, delete_question, move_question, update_question
from events.models import Event
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(community):
    return EventFactory(community=community, capacity=10)


def labels(event) -> list[str]:
    return list(Question.objects.filter(event=event).order_by("position", "pk").values_list("label", flat=True))


def url(name, event, question=None):
    kwargs = {"community": event.community.slug, "event": event.slug}
    if question is not None:
        kwargs["question"] = question if isinstance(question, int) else question.pk
    return reverse(f"attendees_manage:{name}", kwargs=kwargs)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Services


def test_create_question_appends_it_and_cleans_it(event):
    create_question(event=event, label="Company")

    question = create_question(
        event=event,
        label="  Which   talk? ",
        kind=Question.Kind.SINGLE_CHOICE,
        choices="Rust\n\n  Go  \nRust\nZig",
        per_ticket=True,
        show_at_door=True,
    )

    question.refresh_from_db()
    assert (question.label, question.choices, question.position, question.per_ticket, question.show_at_door) == (
        "Which talk?",
        "Rust\nGo\nZig",
        1,
        True,
        True,
    )
    assert labels(event) == ["Company", "Which talk?"]


def test_create_question_required_checkbox_is_always_required(event):
    question = create_question(event=event, label="I accept the code of conduct", kind="required_checkbox")

    assert question.required is True


def test_create_question_text_kinds_keep_no_choices(event):
    question = create_question(event=event, label="Company", kind="short_text", choices="a\nb")

    assert question.choices == ""


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"label": "   "}, "label_required", "label"),
        ({"label": "x" * 301}, "label_too_long", "label"),
        ({"help_text": "x" * 301}, "help_text_too_long", "help_text"),
        ({"kind": "essay"}, "kind_invalid", "kind"),
        ({"kind": "multiple_choice", "choices": "Only one"}, "choices_required", "choices"),
        ({"kind": "single_choice", "choices": "\n".join(str(i) for i in range(51))}, "choices_too_long", "choices"),
        ({"kind": "single_choice", "choices": "a\n" + "b" * 201}, "choices_too_long", "choices"),
    ],
)
def test_create_question_bad_input_is_refused(event, fields, code, field):
    with pytest.raises(RegistrationError) as exc:
        create_question(event=event, **{"label": "Company", **fields})

    assert (exc.value.code, exc.value.field) == (code, field)
    assert Question.objects.count() == 0


def test_question_changes_on_a_cancelled_event_are_refused(event):
    question = create_question(event=event, label="Company")
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    question.event.refresh_from_db()

    for call in (
        lambda: update_question(question=question, label="Firm", kind="short_text"),
        lambda: delete_question(question=question),
        lambda: move_question(question=question, direction="up"),
    ):
        with pytest.raises(RegistrationError) as exc:
            call()
        assert exc.value.code == "event_cancelled"
    assert labels(event) == ["Company"]


def test_move_question_swaps_with_its_neighbour_and_stops_at_the_ends(event):
    a, b, c = (create_question(event=event, label=label) for label in "ABC")

    move_question(question=c, direction="up")
    move_question(question=c, direction="up")
    move_question(question=c, direction="up")
    move_question(question=a, direction="down")

    assert labels(event) == ["C", "B", "A"]
    with pytest.raises(RegistrationError):
        move_question(question=b, direction="sideways")


def test_update_question_keeps_earlier_answers_as_given(event):
    ticket_type = TicketTypeFactory(event=event, quantity=5)
    question = create_question(event=event, label="Talk", kind="single_choice", choices="Rust\nGo")
    order = place_order(
        event=event,
        quantities={ticket_type.pk: 1},
        holders=[("Ada", "ada@example.com")],
        buyer_name="Ada",
        buyer_email="ada@example.com",
        answers={(question.pk, None): "Go"},
    )

    update_question(question=question, label="Talk", kind="single_choice", choices="Rust\nZig")

    assert list(Answer.objects.filter(order=order).values_list("value", flat=True)) == ["Go"]


# Pages


def test_questions_page_lists_them_in_order_with_answer_counts(organiser_client, event):
    create_question(event=event, label="Company")
    create_question(event=event, label="Talk", kind="single_choice", choices="Rust\nGo", required=True)

    response = organiser_client.get(url("questions", event))

    assert [(q.label, q.answer_count) for q in response.context["questions"]] == [("Company", 0), ("Talk", 0)]
    assert "Rust · Go" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 3])
def test_questions_page_costs_a_fixed_number_of_queries(client, organiser, event, rows, django_assert_num_queries):
    for i in range(rows):
        create_question(event=event, label=f"Question {i}")
    client.force_login(organiser)

    with django_assert_num_queries(4):  # session, user, event with community and role, questions with answer counts
        response = client.get(url("questions", event))

    assert len(response.context["questions"]) == rows


def test_question_create_page_adds_one(organiser_client, event):
    response = organiser_client.post(
        url("question_create", event),
        {"label": "Dietary needs", "kind": "long_text", "help_text": "", "choices": "", "per_ticket": "on"},
        follow=True,
    )

    assert response.redirect_chain == [(url("questions", event), 302)]
    assert messages_of(response) == ["Question “Dietary needs” added."]
    assert list(Question.objects.values_list("label", "kind", "per_ticket", "required")) == [
        ("Dietary needs", "long_text", True, False)
    ]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"label": ""}, {"label": ["This field is required."]}),
        ({"kind": "essay"}, {"kind": ["Choose a kind of answer from the list."]}),
        ({"kind": "single_choice", "choices": "One"}, {"choices": ["Give at least two choices, one per line."]}),
    ],
)
def test_question_create_page_bad_input_changes_nothing(organiser_client, event, data, errors):
    response = organiser_client.post(url("question_create", event), {"label": "Company", "kind": "short_text", **data})

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert Question.objects.count() == 0


def test_question_edit_page_saves_the_changes(organiser_client, event):
    question = create_question(event=event, label="Company")

    page = organiser_client.get(url("question_edit", event, question))
    response = organiser_client.post(
        url("question_edit", event, question),
        {"label": "Employer", "kind": "short_text", "required": "on"},
        follow=True,
    )

    assert page.context["form"]["label"].value() == "Company"
    assert messages_of(response) == ["Question “Employer” saved."]
    assert list(Question.objects.values_list("label", "required")) == [("Employer", True)]


def test_question_delete_asks_first_then_deletes_it_and_its_answers(organiser_client, event):
    question = create_question(event=event, label="Company")

    page = organiser_client.get(url("question_delete", event, question))
    response = organiser_client.post(url("question_delete", event, question), follow=True)

    assert "Nobody has answered it yet." in page.content.decode()
    assert messages_of(response) == ["Question “Company” deleted."]
    assert Question.objects.count() == 0


def test_question_move_page(organiser_client, event):
    create_question(event=event, label="A")
    b = create_question(event=event, label="B")

    organiser_client.post(url("question_move", event, b), {"direction": "up"})
    response = organiser_client.post(url("question_move", event, b), {"direction": "nowhere"}, follow=True)

    assert labels(event) == ["B", "A"]
    assert messages_of(response) == ["Move the question up or down."]


def test_question_pages_refuse_another_events_question(organiser_client, community, event):
    other = create_question(event=EventFactory(community=community), label="Other event")
    foreign = create_question(event=EventFactory(), label="Other community")

    statuses = [
        organiser_client.get(url("question_edit", event, other)).status_code,
        organiser_client.post(url("question_delete", event, foreign)).status_code,
        organiser_client.post(url("question_move", event, other), {"direction": "up"}).status_code,
        organiser_client.get(url("question_edit", event, 10**30)).status_code,
        organiser_client.get(url("question_move", event, other)).status_code,
    ]

    assert statuses == [404, 404, 404, 404, 405]
    assert Question.objects.count() == 2


def test_question_pages_are_forbidden_to_volunteers_and_strangers(client, volunteer, event):
    question = create_question(event=event, label="Company")
    stranger = MembershipFactory(community=CommunityFactory()).user

    client.force_login(volunteer)
    as_volunteer = [
        client.get(url("questions", event)).status_code,
        client.post(url("question_delete", event, question)).status_code,
    ]
    client.force_login(stranger)
    as_stranger = client.post(url("question_create", event), {"label": "Hack", "kind": "short_text"}).status_code

    assert (as_volunteer, as_stranger) == ([403, 403], 403)
    assert labels(event) == ["Company"]
