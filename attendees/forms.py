"""Forms of the fan pages: registration (tickets, holders, questions, consent) and the waiting list.

They check the shape of what was typed; the rules (places left, duplicates, answers) are the services' to apply.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendees.models import Question
from attendees.services.questions import field_name
from attendees.services.validation import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH


def max_per_order(event) -> int:
    """The most tickets one registration (or one waiting-list entry) may ask for: the organiser's setting."""
    return event.max_tickets_per_order


# Stands for the holder's index in the names of the block the page's script copies (static/js/attendees.js).
PROTOTYPE_INDEX = "__index__"


class RegistrationForm(forms.Form):
    """One page: how many tickets of each type, who holds them, the event's questions, the consent.

    Holder 0 is the buyer (`buyer_name`, `buyer_email`); holders 1.. have `holder_<i>_name` and `holder_<i>_email`
    (an empty e-mail means the buyer's). `holder_count` blocks are expected; the page shows more when the fan picks
    more tickets (with JS at once, without JS after one more submit).
    """

    buyer_name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    buyer_email = forms.EmailField(
        label=gettext_lazy("Your e-mail"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=gettext_lazy("Your ticket goes to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, event, ticket_types, questions, holder_count=1, limit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.questions = questions
        self.limit = limit if limit is not None else max_per_order(event)
        self.holder_count = max(1, min(holder_count, self.limit))
        self.ticket_rows = []
        on_sale = [t for t in ticket_types if t.availability in ("on_sale", "few_left")]
        for ticket_type in ticket_types:
            name = f"quantity_{ticket_type.pk}"
            if ticket_type not in on_sale:
                self.ticket_rows.append((ticket_type, None))
                continue
            most = max(0, min(self.limit, ticket_type.quantity_left))
            self.fields[name] = forms.TypedChoiceField(
                label=ticket_type.name,
                choices=[(n, str(n)) for n in range(most + 1)],
                coerce=int,
                initial=1 if len(on_sale) == 1 and most else 0,
                widget=forms.Select(attrs={"data-quantity": ""}),
            )
            self.ticket_rows.append((ticket_type, name))
        for question in questions:
            if not question.per_ticket:
                self.fields[field_name(question.pk, None)] = _question_field(question)
        # Only the blocks of the tickets picked get fields (the page renders no others; the script copies
        # `holder_prototype` for more): what a fan types in a block beyond them is never read, so never checked.
        self.holder_blocks = []
        for index in range(self.holder_count):
            fields = self._holder_fields(index, shown=True)
            self.fields.update(fields)
            self.holder_blocks.append({"index": index, "number": index + 1, "fields": list(fields)})
        self.fields["marketing_consent"] = forms.BooleanField(
            label=_("Send me news about future events of %(community)s") % {"community": event.community.name},
            required=False,
            help_text=_("You can stop them at any time. Messages about this event reach you either way."),
        )
        self.order_question_fields = [field_name(q.pk, None) for q in questions if not q.per_ticket]

    def _holder_fields(self, index, *, shown: bool) -> dict[str, forms.Field]:
        """The fields of holder block `index` (the buyer's block 0 has the per-ticket questions only)."""
        fields = {}
        if index != 0:
            fields[f"holder_{index}_name"] = forms.CharField(
                label=_("Name"),
                max_length=NAME_MAX_LENGTH,
                required=shown,
                # The browser asks for it when the block is shown (inputs of a disabled block are exempt).
                widget=forms.TextInput(attrs={"required": True}),
            )
            fields[f"holder_{index}_email"] = forms.EmailField(
                label=_("E-mail"),
                max_length=EMAIL_MAX_LENGTH,
                required=False,
                help_text=_("Leave empty to get this ticket yourself."),
            )
        for question in self.questions:
            if question.per_ticket:
                fields[field_name(question.pk, index)] = _question_field(question, required=question.required and shown)
        return fields

    def holder_prototype(self) -> list[forms.BoundField]:
        """One more holder block's fields with PROTOTYPE_INDEX in their names, for the page's script to copy when
        the fan picks more tickets (the page renders only the blocks shown); empty when no more can be picked."""
        if self.holder_count >= self.limit:
            return []
        fields = self._holder_fields(PROTOTYPE_INDEX, shown=True)
        return [field.get_bound_field(self, name) for name, field in fields.items()]

    def quantities(self) -> dict[int, int]:
        return {
            int(name.removeprefix("quantity_")): self.cleaned_data.get(name) or 0
            for _type, name in self.ticket_rows
            if name is not None
        }

    def ticket_count(self) -> int:
        return sum(self.quantities().values())

    def holders(self) -> list[tuple[str, str]]:
        """(name, e-mail) of each ticket holder; the buyer holds the first ticket."""
        buyer = (self.cleaned_data["buyer_name"], self.cleaned_data["buyer_email"])
        holders = [buyer]
        for index in range(1, self.ticket_count()):
            name = self.cleaned_data.get(f"holder_{index}_name") or ""
            email = self.cleaned_data.get(f"holder_{index}_email") or buyer[1]
            holders.append((name, email))
        return holders

    def missing_holders(self) -> bool:
        """Whether more tickets were picked than holder blocks were filled (the page shows the others)."""
        return any(
            not (self.cleaned_data.get(f"holder_{index}_name") or "").strip()
            for index in range(1, min(self.ticket_count(), self.limit))
        )

    def answers(self) -> dict:
        answers = {}
        for question in self.questions:
            for index in range(self.ticket_count()) if question.per_ticket else [None]:
                value = self.cleaned_data.get(field_name(question.pk, index))
                if value not in (None, "", [], False):
                    answers[(question.pk, index)] = value
        return answers

    def field_for_error(self, field: str | None) -> str | None:
        """The form field a RegistrationError names, or None when it belongs at the top of the form."""
        if field in ("holder_0_name", "buyer_name"):
            return "buyer_name"
        if field in ("holder_0_email", "buyer_email"):
            return "buyer_email"
        return field if field in self.fields else None


def _question_field(question: Question, *, required: bool | None = None) -> forms.Field:
    """A form field for a question; it checks the shape only (the service checks the choices and requirements
    again, so a tampered form is refused the same way)."""
    required = question.required if required is None else required
    common = {"label": question.label, "help_text": question.help_text, "required": required}
    kind = question.kind
    if kind == Question.Kind.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, **common)
    if kind == Question.Kind.SINGLE_CHOICE:
        choices = [(c, c) for c in question.choice_list]
        if question.required:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        return forms.ChoiceField(choices=[("", _("No answer")), *choices], **common)
    if kind == Question.Kind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in question.choice_list], widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == Question.Kind.REQUIRED_CHECKBOX:
        return forms.BooleanField(**common)
    return forms.CharField(max_length=300, **common)


class WaitingListForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=gettext_lazy("We write to this address when a place frees up for you."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    quantity = forms.TypedChoiceField(label=gettext_lazy("Places wanted"), coerce=int, initial=1)

    def __init__(self, *args, limit: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"].choices = [(n, str(n)) for n in range(1, limit + 1)]
