"""Organiser forms of the door: they read input; checkin.services.doors checks and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from checkin.models import Door
from events.models import Event, TicketType


class DoorForm(forms.Form):
    name = Door._meta.get_field("name").formfield(help_text=_("What volunteers see on their phone, e.g. “Speakers”."))
    ticket_types = forms.ModelMultipleChoiceField(
        label=_("ticket types admitted"),
        queryset=TicketType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave every box empty to admit every ticket type."),
        error_messages={
            "invalid_choice": _("Choose ticket types of this event from the list."),
            "invalid_pk_value": _("Choose ticket types of this event from the list."),
        },
    )

    def __init__(self, data=None, *, event: Event, door: Door | None = None):
        initial = None
        if door is not None and data is None:
            initial = {"name": door.name, "ticket_types": list(door.ticket_types.all())}
        super().__init__(data, initial=initial)
        self.fields["ticket_types"].queryset = TicketType.objects.filter(event=event).order_by("position", "pk")
