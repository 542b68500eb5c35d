"""Organisers' writes on an event's registration questions: create, change, delete, reorder.

What fans answer is checked by attendees.services.questions; answers keep the text chosen, so changing a
question's choices later leaves earlier answers as they were given.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from attendees.models import Question
from attendees.services.errors import RegistrationError
from events.models import Event
from events.services.ordering import move_one_place

LABEL_MAX_LENGTH = Question._meta.get_field("label").max_length
HELP_TEXT_MAX_LENGTH = Question._meta.get_field("help_text").max_length
MAX_CHOICES = 50
CHOICE_MAX_LENGTH = 200


def _clean(*, label, help_text, kind, choices, required, per_ticket, show_at_door) -> dict:
    label = " ".join(label.split()) if isinstance(label, str) else ""
    if not label:
        raise RegistrationError("label_required", _("Write the question."), field="label")
    if len(label) > LABEL_MAX_LENGTH:
        raise RegistrationError(
            "label_too_long", _("Keep the question under %(max)d characters.") % {"max": LABEL_MAX_LENGTH + 1},
            field="label",
        )  # fmt: skip
    help_text = " ".join(help_text.split()) if isinstance(help_text, str) else ""
    if len(help_text) > HELP_TEXT_MAX_LENGTH:
        raise RegistrationError(
            "help_text_too_long",
            _("Keep the help text under %(max)d characters.") % {"max": HELP_TEXT_MAX_LENGTH + 1},
            field="help_text",
        )
    if kind not in Question.Kind.values:
        raise RegistrationError("kind_invalid", _("Choose a kind of answer from the list."), field="kind")
    lines = []
    if kind in Question.CHOICE_KINDS:
        for line in (choices if isinstance(choices, str) else "").splitlines():
            line = " ".join(line.split())
            if line and line not in lines:
                lines.append(line)
        if len(lines) < 2:
            raise RegistrationError("choices_required", _("Give at least two choices, one per line."), field="choices")
        if len(lines) > MAX_CHOICES or any(len(line) > CHOICE_MAX_LENGTH for line in lines):
            raise RegistrationError(
                "choices_too_long",
                _("Give at most %(count)d choices of at most %(max)d characters each.")
                % {"count": MAX_CHOICES, "max": CHOICE_MAX_LENGTH},
                field="choices",
            )
    return {
        "label": label,
        "help_text": help_text,
        "kind": kind,
        "choices": "\n".join(lines),
        # A box that must be ticked (a code of conduct) is required by its nature.
        "required": True if kind == Question.Kind.REQUIRED_CHECKBOX else bool(required),
        "per_ticket": bool(per_ticket),
        "show_at_door": bool(show_at_door),
    }


def _check_event_open_to_changes(event: Event) -> None:
    if event.is_cancelled:
        raise RegistrationError("event_cancelled", _("This event was cancelled: its questions can no longer change."))


def create_question(
    *,
    event: Event,
    label: str,
    kind: str = Question.Kind.SHORT_TEXT,
    help_text: str = "",
    choices: str = "",
    required: bool = False,
    per_ticket: bool = False,
    show_at_door: bool = False,
) -> Question:
    """Add a question at the end of the event's form."""
    fields = _clean(label=label, help_text=help_text, kind=kind, choices=choices, required=required,
                    per_ticket=per_ticket, show_at_door=show_at_door)  # fmt: skip
    _check_event_open_to_changes(event)
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()  # one writer of positions at a time
        last = Question.objects.filter(event=event).aggregate(n=Max("position"))["n"]
        return Question.objects.create(
            event=event, position=0 if last is None else last + 1, created_at=timezone.now(), **fields
        )


def update_question(
    *, question: Question, label, kind, help_text="", choices="", required=False, per_ticket=False, show_at_door=False
) -> Question:
    fields = _clean(label=label, help_text=help_text, kind=kind, choices=choices, required=required,
                    per_ticket=per_ticket, show_at_door=show_at_door)  # fmt: skip
    _check_event_open_to_changes(question.event)
    for name, value in fields.items():
        setattr(question, name, value)
    question.save(update_fields=list(fields))
    return question


def delete_question(*, question: Question) -> None:
    """Delete a question and the answers already given to it."""
    _check_event_open_to_changes(question.event)
    question.delete()


def move_question(*, question: Question, direction: str) -> None:
    """Swap the question with the one before ("up") or after ("down") it; at either end nothing moves."""
    if direction not in ("up", "down"):
        raise RegistrationError("direction_invalid", _("Move the question up or down."))
    _check_event_open_to_changes(question.event)
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=question.event_id).first()
        move_one_place(Question.objects.filter(event_id=question.event_id), pk=question.pk, direction=direction)
