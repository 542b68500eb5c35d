"""Organiser forms of registration: they check what was typed; attendees.services.approval decides and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from attendees.models import Question
from attendees.services.approval import DECLINE_MESSAGE_MAX_LENGTH
from attendees.services.validation import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH


class DeclineForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the person"),
        required=False,
        max_length=DECLINE_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("It goes in the e-mail that tells them the registration was declined."),
    )


class AddRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=_("The ticket goes to this address, as for any registration."),
    )
    ticket_type = forms.TypedChoiceField(
        label=_("Ticket type"),
        coerce=int,
        help_text=_("Free of charge whatever its price, even outside its sales dates; the capacity still applies."),
        error_messages={"invalid_choice": _("Choose one of this event's ticket types.")},
    )

    def __init__(self, *args, ticket_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket_type"].choices = [(t.pk, t.name) for t in ticket_types]
        self.fields["name"].widget.attrs.update({"autocomplete": "off"})
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "placeholder": "name@example.org"})


class QuestionForm(forms.Form):
    label = forms.CharField(
        label=_("Question"),
        max_length=Question._meta.get_field("label").max_length,
        help_text=_("For example: “Any dietary needs?” or “I have read the code of conduct”."),
    )
    help_text = forms.CharField(
        label=_("Help text"),
        required=False,
        max_length=Question._meta.get_field("help_text").max_length,
        help_text=_("Shown under the question, in smaller print."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of answer"),
        choices=Question.Kind.choices,
        initial=Question.Kind.SHORT_TEXT,
        error_messages={"invalid_choice": _("Choose a kind of answer from the list.")},
    )
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For the kinds with a list: one choice per line, at least two."),
    )
    required = forms.BooleanField(
        label=_("An answer is required"),
        required=False,
        help_text=_("A checkbox that must be ticked is always required."),
    )
    per_ticket = forms.BooleanField(
        label=_("Ask each ticket holder"),
        required=False,
        help_text=_("Otherwise it is asked once per registration, of the person registering."),
    )
    show_at_door = forms.BooleanField(
        label=_("Show the answer at the door"),
        required=False,
        help_text=_("Volunteers see it when they check the ticket in (an allergy, an accessibility need)."),
    )

    FIELDS = ("label", "help_text", "kind", "choices", "required", "per_ticket", "show_at_door")

    def __init__(self, *args, question: Question | None = None, **kwargs):
        if question is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(question, name) for name in self.FIELDS}
        super().__init__(*args, **kwargs)
