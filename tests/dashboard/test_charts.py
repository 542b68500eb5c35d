"""The SVG plots and the number formats of the dashboard."""

import re

import pytest
from django.utils import translation

from attendees import charts
from attendees.templatetags import dashboard as fmt


@pytest.mark.parametrize(
    ("highest", "expected"),
    [(0, (1, 1)), (1, (1, 1)), (3, (3, 1)), (7, (8, 2)), (10, (10, 5)), (37, (40, 10)), (101, (150, 50))],
)
def test_nice_scale_rounds_the_axis_up_to_whole_steps(highest, expected):
    assert charts.nice_scale(highest) == expected


def _bars(**kwargs):
    defaults = {
        "chart_id": "c",
        "title": "Attendance",
        "description": "Per event",
        "labels": ["Mar 1", "Apr 2"],
        "series": [charts.Series("In", [2, 3], "#111111"), charts.Series("Out", [1, None], "#222222")],
    }
    return str(charts.stacked_bars(**defaults | kwargs))


def test_stacked_bars_are_labelled_for_screen_readers():
    svg = _bars()

    assert svg.startswith('<svg class="chart" id="c" viewBox="0 0 720 300" role="img" aria-labelledby="c-title c-desc"')
    assert '<title id="c-title">Attendance</title><desc id="c-desc">Per event</desc>' in svg


def test_stacked_bars_stack_each_value_at_its_height():
    svg = _bars()

    rect = r'<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="(#\d+)"><title>([^<]+)'
    rects = re.findall(rect, svg)
    # Axis 0..3 over 228 px (300 - 14 top - 58 bottom): 76 px a unit, the base line at y = 242.
    assert rects == [
        ("90.0", "152.0", "#111111", "Mar 1 · In: 2"),
        ("14.0", "76.0", "#222222", "Mar 1 · Out: 1"),
        ("14.0", "228.0", "#111111", "Apr 2 · In: 3"),
    ]


def test_stacked_bars_escape_what_they_are_given():
    svg = _bars(title="<script>x</script>", labels=["<b>", "&"])

    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;x&lt;/script&gt;" in svg
    assert ">&amp;</text>" in svg


def test_stacked_bars_write_one_label_in_so_many_when_there_are_many():
    labels = [f"d{n}" for n in range(30)]

    svg = _bars(labels=labels, series=[charts.Series("In", [1] * 30, "#111111")])

    written = re.findall(r'class="chart__label"[^>]*>(d\d+)</text>', svg)
    assert written == ["d0", "d3", "d6", "d9", "d12", "d15", "d18", "d21", "d24", "d27"]


def test_lines_draw_one_polyline_per_series_ending_on_its_last_value():
    svg = str(
        charts.lines(
            chart_id="l",
            title="Registrations",
            description="Before the start",
            x_values=[2, 1, 0],
            x_label="days before",
            x_ticks=[2, 0],
            series=[
                charts.Series("Before", [0, 1, 2], "#aaaaaa", dashed=True),
                charts.Series("Now", [1, 3, 4], "#5b3cc4", bold=True),
            ],
        )
    )

    lines = re.findall(r'<title>([^<]+)</title><polyline points="([^"]+)"[^>]*stroke-width="([\d.]+)"', svg)
    # x from 48 to 704 in two steps; y axis 0..4, 57 px a unit, base at 242.
    assert lines == [
        ("Before: 2", "48.0,242.0 376.0,185.0 704.0,128.0", "2"),
        ("Now: 4", "48.0,185.0 376.0,71.0 704.0,14.0", "3.5"),
    ]
    assert svg.count('stroke-dasharray="6 4"') == 1
    assert re.findall(r'class="chart__label"[^>]*>(\d)</text>', svg) == ["2", "0"]
    assert ">days before</text>" in svg


def test_lines_stop_at_the_last_known_value():
    svg = str(
        charts.lines(
            chart_id="l",
            title="Registrations",
            description="Before the start",
            x_values=[2, 1, 0],
            x_label="days before",
            x_ticks=[],
            series=[charts.Series("To come", [1, 2, None], "#5b3cc4")],
        )
    )

    assert re.findall(r'<title>([^<]+)</title><polyline points="([^"]+)"', svg) == [
        ("To come: 2", "48.0,128.0 376.0,14.0")
    ]
    assert '<circle cx="376.0" cy="14.0"' in svg


def test_formats_in_english():
    with translation.override("en"):
        assert (fmt.percent(2 / 3), fmt.percent(1.0), fmt.percent(None)) == ("66.7%", "100.0%", "–")
        assert (fmt.decimal(0.2), fmt.decimal(None)) == ("0.20", "–")
        assert fmt.count(12345) == "12,345"


def test_formats_in_french_use_the_decimal_comma_and_group_thousands():
    with translation.override("fr"):
        assert fmt.percent(2 / 3).startswith("66,7")
        assert fmt.decimal(0.2) == "0,20"
        assert re.fullmatch(r"12\s345", fmt.count(12345))
