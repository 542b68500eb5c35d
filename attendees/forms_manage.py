"""Organiser forms of registration: they check what was typed; attendees.services.approval decides and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

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
