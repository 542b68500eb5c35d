"""The attendee list as a file: a CSV of the filtered list, streamed, and the printable door list.

The CSV starts with a byte-order mark so spreadsheet programs read it as UTF-8, and any cell that a spreadsheet
would take for a formula is neutralised. It is written a chunk of rows at a time while it is sent, so memory stays
flat whatever the number of rows.
"""

import csv
import dataclasses
import zoneinfo

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from attendees import selectors_attendees as selectors
from attendees.models import Question
from events.models import Event

BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet (tab and carriage return too, for some).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LINES_PER_CHUNK = 200


def neutralise(value) -> str:
    """`value` as a cell no spreadsheet runs: a leading apostrophe before what would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object whose write() hands the line back, for csv.writer to format one row at a time."""

    def write(self, value: str) -> str:
        return value


def _local(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def csv_headers(questions: list[Question]) -> list[str]:
    return [
        _("Name"),
        _("E-mail"),
        _("Ticket type"),
        _("Status"),
        _("Registered at"),
        _("Checked in at"),
        _("Door"),
        _("Agrees to news of future events"),
        _("Tags"),
        _("Note"),
        _("Reference"),
        *(question.label for question in questions),
    ]


def csv_response(*, event: Event, filters: selectors.Filters, questions: list[Question]) -> StreamingHttpResponse:
    """The filtered list as a CSV download, in the language active now (the organiser's)."""
    zone = zoneinfo.ZoneInfo(event.time_zone)
    # Words are translated now: the rows are written after the view returns, when the request's language may be gone.
    headers = csv_headers(questions)
    statuses = {key: str(label) for key, label in selectors.STATUSES.items()}
    yes, no = _("Yes"), _("No")
    question_ids = [question.pk for question in questions]

    def cells(row: selectors.Row) -> list[str]:
        consent = "" if row.consent is None else (yes if row.consent else no)
        values = [
            row.name,
            row.email,
            row.ticket_type,
            statuses.get(row.status, row.status),
            _local(row.registered_at, zone),
            _local(row.checked_in_at, zone),
            row.door,
            consent,
            ", ".join(row.tags),
            row.note,
            row.reference,
            *(row.answer_values.get(pk, "") for pk in question_ids),
        ]
        return [neutralise(value) for value in values]

    def lines():
        writer = csv.writer(_Line())
        yield BOM + writer.writerow([neutralise(header) for header in headers])
        batch = []
        for row in selectors.iter_rows(event=event, filters=filters):
            batch.append(writer.writerow(cells(row)))
            if len(batch) >= LINES_PER_CHUNK:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}-attendees.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def door_list(*, event: Event, filters: selectors.Filters) -> dict:
    """The printable door list: the filtered rows sorted by name; with no status chosen, the confirmed tickets
    only (the people the door lets in)."""
    filters = dataclasses.replace(filters, statuses=filters.statuses or ("confirmed",), sort="name")
    rows = list(selectors.iter_rows(event=event, filters=filters, answers=False))
    return {
        "rows": rows,
        "checked_in": sum(1 for row in rows if row.checked_in_at),
        "statuses": [str(selectors.STATUSES[status]) for status in filters.statuses],
    }
