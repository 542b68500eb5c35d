"""Forms of the attendee list: the filters read from the address, and the bulk action's choices.

The filters come from a link anyone may have typed or shortened: a value that does not apply to this event is
dropped with a message saying which, and the rest of the filters still apply.
"""

import re
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from attendees import selectors_attendees as selectors
from attendees.models import Question
from attendees.services.bulk import ACTIONS, TAG_NAME_MAX_LENGTH

SEARCH_MAX_LENGTH = 200
_ROW_RE = re.compile(r"[tw][1-9]\d{0,17}")
_ANSWER_RE = re.compile(r"^(\d{1,18})([=+-])(.*)$", re.DOTALL)


def answer_choices(questions: list[Question]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The answer filter's options, grouped by question: each choice of a choice question, ticked or not for a
    checkbox, answered or not for a text question."""
    groups = []
    for question in questions:
        if question.kind in Question.CHOICE_KINDS:
            options = [(f"{question.pk}={choice}", choice) for choice in question.choice_list]
        elif question.kind == Question.Kind.REQUIRED_CHECKBOX:
            options = [(f"{question.pk}+", _("Ticked")), (f"{question.pk}-", _("Not ticked"))]
        else:
            options = [(f"{question.pk}+", _("Answered")), (f"{question.pk}-", _("Not answered"))]
        groups.append((question.label, options))
    return groups


def parse_answer(value: str) -> selectors.AnswerFilter | None:
    match = _ANSWER_RE.match(value or "")
    if match is None:
        return None
    return selectors.AnswerFilter(question_id=int(match[1]), kind=match[2], value=match[3])


def to_query(filters: selectors.Filters, *, sort: str | None = None) -> str:
    """The address's query string for `filters` (and another `sort`): only values that passed, no page."""
    params = [("q", filters.search)] if filters.search else []
    params += [("status", status) for status in filters.statuses]
    params += [("ticket_type", str(pk)) for pk in filters.ticket_types]
    if filters.checked_in:
        params.append(("checked_in", filters.checked_in))
    if filters.answer is not None:
        answer = filters.answer
        params.append(("answer", f"{answer.question_id}{answer.kind}{answer.value}"))
    params += [("tag", str(pk)) for pk in filters.tags]
    if filters.history:
        params.append(("history", filters.history))
    sort = filters.sort if sort is None else sort
    if sort != selectors.DEFAULT_SORT:
        params.append(("sort", sort))
    return urlencode(params)


def sort_choices() -> list[tuple[str, str]]:
    return [(key, key) for key in selectors.SORTS] + [(f"-{key}", f"-{key}") for key in selectors.SORTS]


class AttendeeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=SEARCH_MAX_LENGTH)
    status = forms.MultipleChoiceField(label=_("Status"), required=False, choices=())
    ticket_type = forms.TypedMultipleChoiceField(label=_("Ticket type"), required=False, coerce=int, choices=())
    checked_in = forms.ChoiceField(label=_("Check-in"), required=False, choices=())
    answer = forms.ChoiceField(label=_("Answer"), required=False, choices=())
    tag = forms.TypedMultipleChoiceField(label=_("Tag"), required=False, coerce=int, choices=())
    history = forms.ChoiceField(label=_("First time or back"), required=False, choices=())
    sort = forms.ChoiceField(required=False, choices=())

    MULTIPLE = ("status", "ticket_type", "tag")

    def __init__(self, data, *, ticket_types, tags, questions):
        if hasattr(data, "getlist"):
            # A select left on "all" sends an empty value: that is no filter, not a wrong one.
            data = data.copy()
            for name in self.MULTIPLE:
                data.setlist(name, [value for value in data.getlist(name) if value != ""])
        super().__init__(data)
        self.fields["status"].choices = list(selectors.STATUSES.items())
        self.fields["ticket_type"].choices = [(str(t.pk), t.name) for t in ticket_types]
        self.fields["checked_in"].choices = [
            ("", _("Checked in or not")),
            (selectors.YES, _("Checked in")),
            (selectors.NO, _("Not checked in")),
        ]
        self.fields["answer"].choices = [("", _("Any answer")), *answer_choices(questions)]
        self.fields["tag"].choices = [(str(tag.pk), tag.name) for tag in tags]
        self.fields["history"].choices = [
            ("", _("Everyone")),
            (selectors.FIRST_TIME, _("First-timers")),
            (selectors.RETURNING, _("Came before")),
        ]
        self.fields["sort"].choices = sort_choices()

    def filters(self) -> selectors.Filters:
        """The filters that passed; call after is_valid() (which may be false: the others still apply)."""
        data = self.cleaned_data
        return selectors.Filters(
            search=data.get("q", "").strip(),
            statuses=tuple(data.get("status") or ()),
            ticket_types=tuple(data.get("ticket_type") or ()),
            checked_in=data.get("checked_in") or "",
            answer=parse_answer(data.get("answer") or ""),
            tags=tuple(data.get("tag") or ()),
            history=data.get("history") or "",
            sort=data.get("sort") or selectors.DEFAULT_SORT,
        )

    def ignored(self) -> list[str]:
        """Labels of the filters dropped because their value did not fit (for the message on the page)."""
        return [str(self.fields[name].label or name) for name in self.errors if name in self.fields]


class BulkActionForm(forms.Form):
    """What to do and to which rows: the rows ticked (`rows`: "t12", "w3"), or every row the filters match."""

    SELECTED, ALL = "selected", "all"

    action = forms.ChoiceField(label=_("Action"), choices=())
    scope = forms.ChoiceField(
        label=_("Rows"), choices=[(SELECTED, _("Rows ticked")), (ALL, _("All rows matching the filters"))]
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=TAG_NAME_MAX_LENGTH)
    expected = forms.IntegerField(required=False, min_value=0, max_value=10**9)

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["action"].choices = [(key, action.label) for key, action in ACTIONS.items()]

    def clean(self):
        data = super().clean()
        # Row keys are checked against the event later; here only their shape ("t" or "w", then an id).
        keys = self.data.getlist("rows") if hasattr(self.data, "getlist") else []
        data["rows"] = [key for key in keys if _ROW_RE.fullmatch(key)]
        if data.get("action") == "tag" and not (data.get("tag") or "").strip():
            self.add_error("tag", _("Give the tag a name."))
        if data.get("scope") == self.SELECTED and not data.get("rows"):
            self.add_error(None, _("Tick at least one row, or choose all rows matching the filters."))
        return data
