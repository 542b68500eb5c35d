"""The community dashboard: how the community's events went over a date range, as plots, tables and a CSV.

Organisers of the community only (events.access). The range and the event whose registrations are plotted live in
the address (`from`, `to`, `event`), so a view can be bookmarked or sent to a colleague.
"""

import csv
import io
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from attendees import charts, forms_dashboard
from attendees import selectors_dashboard as selectors
from attendees.exports import BOM, neutralise
from attendees.templatetags.dashboard import count, day, decimal, percent, short_day
from events import access, pagecache

ATTENDED = "#5b3cc4"
NO_SHOW = "#e07a3f"
TO_COME = "#cfc6f2"
FIRST_TIME = "#1f9a8a"
CURVE_COLOURS = ["#a9a7b8", "#e07a3f", "#1f9a8a", "#5b3cc4"]
# A cell a spreadsheet would read as a formula starts with one of these; such cells get a leading apostrophe.


def _read(request, community):
    """The period asked for, the community's events in it and their figures."""
    now = timezone.now()
    today = timezone.localtime(now, zoneinfo.ZoneInfo(community.time_zone)).date()
    period = forms_dashboard.read_period(request.GET, today=today)
    events, left_out = selectors.events_in_range(community=community, first=period.first, last=period.last)
    version = selectors.data_version(community)
    board = selectors.dashboard(community=community, events=events, left_out=left_out, now=now, version=version)
    return period, events, board, version


@login_required
@require_GET
def dashboard(request, community):
    community = access.community_for_organiser(user=request.user, slug=community)
    return pagecache.cached_member_page(request, render=lambda: _dashboard_page(request, community))


def _dashboard_page(request, community):
    period, events, board, version = _read(request, community)
    errors = list(period.errors)
    chosen = next((e for e in events if e.slug == period.event_slug), None)
    if period.event_slug and chosen is None:
        errors.append(_("That event does not start within the chosen dates: showing the latest one instead."))
    curves = selectors.registration_curves(
        events=selectors.curve_events(events=events, chosen=chosen),
        time_zone=community.time_zone,
        now=timezone.now(),
        version=version,
    )
    query = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    return render(
        request,
        "attendees/dashboard/dashboard.html",
        {
            "community": community,
            "tab": "dashboard",
            "subpage": True,
            "period": period,
            "errors": errors,
            "board": board,
            "events": events,
            "chosen": curves[-1].event if curves else None,
            "curves": curves,
            "curve_rows": _curve_rows(curves),
            "attendance_chart": _attendance_chart(board.figures, community),
            "fans_chart": _fans_chart(board.figures, community),
            "curve_chart": _curve_chart(curves, community),
            "query": query,
        },
    )


def _labels(figures, community) -> list[str]:
    return [short_day(f.event.start, community.time_zone) for f in figures]


def _two_sizes(draw, *, chart_id, **kwargs) -> dict:
    """The plot for a laptop and, for phones, a narrow one with the same numbers (CSS shows one of them), and its
    legend from the series (templates/attendees/dashboard/_chart.html): lines for a line chart, swatches else."""
    return {
        "wide": draw(chart_id=chart_id, width=charts.WIDTH, **kwargs),
        "narrow": draw(chart_id=f"{chart_id}-narrow", width=charts.NARROW, **kwargs),
        "legend": [(s.name, s.color, s.dashed) for s in kwargs["series"]],
        "lines": draw is charts.lines,
    }


def _attendance_chart(figures, community):
    if not figures:
        return None
    return _two_sizes(
        charts.stacked_bars,
        chart_id="chart-attendance",
        title=_("Attendance and no-shows per event"),
        description=_(
            "One bar per event, oldest first: people checked in, then no-shows for events that are over, or "
            "people expected for events still to come. The table below has the same numbers."
        ),
        labels=_labels(figures, community),
        series=[
            charts.Series(_("Checked in"), [f.checked_in for f in figures], ATTENDED),
            charts.Series(_("No-shows"), [f.no_shows for f in figures], NO_SHOW),
            charts.Series(_("Expected"), [None if f.is_past else f.confirmed - f.checked_in for f in figures], TO_COME),
        ],
    )


def _fans_chart(figures, community):
    if not figures:
        return None
    return _two_sizes(
        charts.stacked_bars,
        chart_id="chart-fans",
        title=_("Returning and first-time attendees per event"),
        description=_(
            "One bar per event, oldest first: people checked in who had come to an earlier event of the community, "
            "then people at their first. The table below has the same numbers."
        ),
        labels=_labels(figures, community),
        series=[
            charts.Series(_("Returning"), [f.returning for f in figures], ATTENDED),
            charts.Series(_("First time"), [f.first_timers for f in figures], FIRST_TIME),
        ],
    )


def _curve_chart(curves, community):
    if not curves:
        return None
    colours = CURVE_COLOURS[-len(curves) :]
    series = [
        charts.Series(
            f"{curve.event.title} ({short_day(curve.event.start, community.time_zone)})",
            curve.counts,
            colour,
            dashed=index < len(curves) - 1,
            bold=index == len(curves) - 1,
        )
        for index, (curve, colour) in enumerate(zip(curves, colours, strict=True))
    ]
    return _two_sizes(
        charts.lines,
        chart_id="chart-curves",
        title=_("Registrations before the event"),
        description=_(
            "Tickets registered, added up day by day over the %(days)s days before each event's start: the "
            "chosen event in a thick line, the ones before it dashed. The table below has the same numbers."
        )
        % {"days": selectors.CURVE_DAYS},
        x_values=curves[0].days,
        x_label=_("days before the start"),
        x_ticks=list(range(selectors.CURVE_DAYS, -1, -10)),
        series=series,
    )


# The days the table under the registration curves shows (the plot has every day).
CURVE_TABLE_DAYS = [60, 30, 14, 7, 3, 1, 0]


def _curve_rows(curves):
    rows = []
    for curve in curves:
        at = dict(zip(curve.days, curve.counts, strict=True))
        rows.append({"event": curve.event, "counts": [at[d] for d in CURVE_TABLE_DAYS if d in at]})
    return {"days": [d for d in CURVE_TABLE_DAYS if d <= selectors.CURVE_DAYS], "rows": rows}


def csv_rows(board, community) -> list[list[str]]:
    """The dashboard's numbers, a header and one row per event then the totals, formatted in the active language."""
    header = [
        _("Date"),
        _("Event"),
        _("Registrations"),
        _("Confirmed"),
        _("Checked in"),
        _("Attendance rate"),
        _("No-shows"),
        _("No-show rate"),
        _("Returning"),
        _("First time"),
        _("Returning rate"),
        _("Waiting list"),
        _("Capacity"),
        _("Waiting list per place"),
    ]
    rows = [header]
    for f in board.figures:
        rows.append(
            [
                day(f.event.start, community.time_zone),
                f.event.title,
                count(f.registrations),
                count(f.confirmed),
                count(f.checked_in),
                percent(f.attendance_rate),
                count(f.no_shows),
                percent(f.no_show_rate),
                count(f.returning),
                count(f.first_timers),
                percent(f.returning_rate),
                count(f.waiting),
                count(f.event.capacity),
                decimal(f.waiting_pressure),
            ]
        )
    t = board.totals
    rows.append(
        [
            "",
            _("All events (%(count)s)") % {"count": t.events},
            count(t.registrations),
            count(t.confirmed),
            count(t.checked_in),
            percent(t.attendance_rate),
            count(t.no_shows),
            percent(t.no_show_rate),
            count(t.returning),
            count(t.new_fans),
            percent(t.returning_rate),
            "",
            "",
            "",
        ]
    )
    return [[neutralise(cell) for cell in row] for row in rows]


@login_required
@require_GET
def dashboard_csv(request, community):
    community = access.community_for_organiser(user=request.user, slug=community)
    period, _events, board, _version = _read(request, community)
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(board, community))
    # The byte order mark tells spreadsheet programs the file is UTF-8.
    response = HttpResponse((BOM + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    filename = f"{community.slug}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
