"""Answers to the event's questions at registration: checked before the event lock, created with the order."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from attendees.models import Answer, Order, Question, Ticket
from attendees.services.errors import RegistrationError
from events.models import Event

SHORT_TEXT_MAX_LENGTH = 300
LONG_TEXT_MAX_LENGTH = 5000
TICKED = "yes"


@dataclass(frozen=True)
class CleanAnswer:
    question: Question
    ticket_index: int | None  # which ticket holder (per-ticket questions), None for the order
    value: str


def field_name(question_id: int, ticket_index: int | None) -> str:
    """The form field (and the error's `field`) of one answer: per order, or per ticket holder."""
    return f"question_{question_id}" if ticket_index is None else f"question_{question_id}_{ticket_index}"


def questions_for(event: Event) -> list[Question]:
    return list(Question.objects.filter(event=event).order_by("position", "pk"))


def clean_answers(*, questions: list[Question], answers, ticket_count: int) -> list[CleanAnswer]:
    """Check `answers` ({(question id, ticket index or None): value}) against the event's questions.

    A value is a string, or a list of strings for a multiple choice; a ticked checkbox is any true value.
    Unanswered optional questions give no answer. Raises RegistrationError on the first problem, naming its field.
    """
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise RegistrationError("answer_invalid", _("Answer the questions of the form."))
    known = {q.pk: q for q in questions}
    for key in answers:
        question_id, index = key if isinstance(key, tuple) and len(key) == 2 else (None, None)
        question = known.get(question_id)
        valid_index = (
            index is None
            if question is None or not question.per_ticket
            else isinstance(index, int) and 0 <= index < ticket_count
        )
        if question is None or not valid_index:
            raise RegistrationError("answer_invalid", _("This question is not asked for this event."))
    cleaned = []
    for question in questions:
        for index in range(ticket_count) if question.per_ticket else [None]:
            value = _clean_value(question, answers.get((question.pk, index)), field=field_name(question.pk, index))
            if value:
                cleaned.append(CleanAnswer(question=question, ticket_index=index, value=value))
    return cleaned


def _clean_value(question: Question, raw, *, field: str) -> str:
    kind = question.kind
    if kind == Question.Kind.REQUIRED_CHECKBOX:
        if not raw or raw in ("0", "false", "off"):
            if question.required:
                raise RegistrationError("answer_required", _("Tick this box to register."), field=field)
            return ""
        return TICKED
    if kind == Question.Kind.MULTIPLE_CHOICE:
        picked = raw if isinstance(raw, list | tuple) else ([] if raw in (None, "") else [raw])
        if not all(isinstance(p, str) for p in picked):
            raise RegistrationError("answer_invalid", _("Choose from the list."), field=field)
        choices = question.choice_list
        if any(p not in choices for p in picked):
            raise RegistrationError("answer_invalid", _("Choose from the list."), field=field)
        if not picked and question.required:
            raise RegistrationError("answer_required", _("Choose at least one."), field=field)
        return "\n".join(c for c in choices if c in picked)
    if raw is not None and not isinstance(raw, str):
        raise RegistrationError("answer_invalid", _("This answer is not valid."), field=field)
    value = (raw or "").strip()
    if kind == Question.Kind.SINGLE_CHOICE:
        if value and value not in question.choice_list:
            raise RegistrationError("answer_invalid", _("Choose from the list."), field=field)
        if not value and question.required:
            raise RegistrationError("answer_required", _("Choose one."), field=field)
        return value
    if kind == Question.Kind.SHORT_TEXT:
        value = " ".join(value.split())
    limit = SHORT_TEXT_MAX_LENGTH if kind == Question.Kind.SHORT_TEXT else LONG_TEXT_MAX_LENGTH
    if len(value) > limit:
        raise RegistrationError(
            "answer_invalid", _("Keep the answer under %(max)d characters.") % {"max": limit + 1}, field=field
        )
    if "\x00" in value:
        raise RegistrationError("answer_invalid", _("This answer is not valid."), field=field)
    if not value and question.required:
        raise RegistrationError("answer_required", _("Answer this question."), field=field)
    return value


def create_answers(*, order: Order, tickets: list[Ticket], answers: list[CleanAnswer]) -> list[Answer]:
    """Store checked answers with their order (and ticket); called in the transaction that creates the order."""
    return Answer.objects.bulk_create(
        Answer(
            order=order,
            ticket=tickets[a.ticket_index] if a.ticket_index is not None else None,
            question=a.question,
            value=a.value,
        )
        for a in answers
    )
