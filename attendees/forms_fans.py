"""Forms of the people pages: they parse input; the rules are in attendees.services.fans."""

from django import forms
from django.utils.translation import gettext_lazy as _

from attendees.selectors_fans import DEFAULT_SORT, SHOWS, SORTS
from attendees.services.fans import NOTE_MAX_LENGTH, REASON_MAX_LENGTH, TAG_MAX_LENGTH


class PeopleFilterForm(forms.Form):
    """The people page's address: search, filter, sort. Anything unknown falls back to the default."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    show = forms.ChoiceField(label=_("Show"), required=False, choices=[("", _("Everyone")), *SHOWS.items()])
    tag = forms.TypedChoiceField(label=_("Tag"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[(k, v[0]) for k, v in SORTS.items()])

    def __init__(self, *args, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("Any tag")), *((t.pk, t.name) for t in tags)]
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Name or e-mail"), "autocomplete": "off"}
        )

    def cleaned(self) -> dict:
        """The valid values, each field alone: one bad parameter does not drop the others."""
        values = {"q": "", "show": "", "tag": None, "sort": DEFAULT_SORT}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        for name in values:
            if name in data and name not in self.errors and data[name] not in ("", None):
                values[name] = data[name]
        return values


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Organisers' note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the community's organisers see it (and the person, if they ask for their data)."),
    )


class TagForm(forms.Form):
    tag = forms.CharField(label=_("Add a tag"), max_length=TAG_MAX_LENGTH)


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The other organisers and the volunteers at the door see it."),
    )
