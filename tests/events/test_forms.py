"""Tests for the organiser forms: local times made aware, DST, tampered choices, uploads, series choices."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from events.forms import (
    CommunityForm,
    EventForm,
    InvitationForm,
    LocalDateTimeField,
    RepeatDatesForm,
    RepeatPatternForm,
    TicketTypeForm,
    VenueForm,
    pattern_choices,
)
from tests.factories import CommunityFactory, EventFactory, TicketTypeFactory, VenueFactory

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def png_upload(size=(400, 200), name="cover.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def event_data(**overrides) -> dict:
    data = {
        "title": "Rust night",
        "slug": "",
        "summary": "",
        "description": "",
        "time_zone": "Europe/Paris",
        "start": "2030-06-10T19:00",
        "end": "2030-06-10T22:00",
        "venue": "",
        "online_url": "",
        "capacity": "",
        "visibility": "public",
        "registration_opens_at": "",
        "registration_closes_at": "",
    }
    return {**data, **overrides}


# LocalDateTimeField


@pytest.mark.parametrize(
    "value", ["2030-06-10T19:00", "2030-06-10T19:00:00", "2030-06-10 19:00", " 2030-06-10 19:00:00 "]
)
def test_local_datetime_field_parses_naive_wall_clock_times(value):
    assert LocalDateTimeField().clean(value) == dt.datetime(2030, 6, 10, 19, 0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tomorrow", "Enter a date and time, for example 2026-03-14 19:00."),
        ("2030-02-30T19:00", "Enter a date and time, for example 2026-03-14 19:00."),
        ("0001-01-01T00:00", "Enter a date between the years 1970 and 2999."),
    ],
)
def test_local_datetime_field_refuses_bad_values(value, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        LocalDateTimeField().clean(value)

    assert caught.value.messages == [message]


def test_local_datetime_field_renders_a_datetime_local_input():
    html = LocalDateTimeField().widget.render("start", dt.datetime(2030, 6, 10, 19, 5))

    assert html == '<input type="datetime-local" name="start" value="2030-06-10T19:05">'


# EventForm


def test_event_form_turns_local_times_into_aware_datetimes_in_the_chosen_zone(community):
    form = EventForm(event_data(time_zone="America/New_York"), community=community)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == dt.datetime(2030, 6, 10, 23, 0, tzinfo=dt.UTC)
    assert form.cleaned_data["end"] == dt.datetime(2030, 6, 11, 2, 0, tzinfo=dt.UTC)


def test_event_form_refuses_a_time_in_the_spring_dst_gap(community):
    form = EventForm(event_data(start="2030-03-31T02:30", end="2030-03-31T04:00"), community=community)

    assert form.errors == {
        "start": ["02:30 does not exist in Europe/Paris: the clocks move forward that night. Choose another time."]
    }


def test_event_form_takes_the_first_of_two_autumn_times(community):
    form = EventForm(event_data(start="2030-10-27T02:30", end="2030-10-27T04:00"), community=community)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == dt.datetime(2030, 10, 27, 0, 30, tzinfo=dt.UTC)  # still summer time


def test_event_form_refuses_an_end_before_the_start(community):
    form = EventForm(event_data(end="2030-06-10T18:00"), community=community)

    assert form.errors == {"end": ["The event must end after it starts."]}


def test_event_form_refuses_registration_closing_after_the_end(community):
    form = EventForm(event_data(registration_closes_at="2030-06-10T23:00"), community=community)

    assert form.errors == {"registration_closes_at": ["Registration must close before the event ends."]}


def test_event_form_refuses_registration_closing_before_it_opens(community):
    form = EventForm(
        event_data(registration_opens_at="2030-06-05T10:00", registration_closes_at="2030-06-01T10:00"),
        community=community,
    )

    assert form.errors == {"registration_closes_at": ["Registration must close after it opens."]}


def test_event_form_refuses_a_venue_of_another_community(community):
    foreign = VenueFactory()

    form = EventForm(event_data(venue=str(foreign.pk)), community=community)

    assert form.errors == {"venue": ["Choose one of this community's venues."]}


def test_event_form_offers_only_the_community_venues(community):
    own = VenueFactory(community=community, name="Own hall")
    VenueFactory(name="Someone else's")

    form = EventForm(community=community)

    assert list(form.fields["venue"].queryset) == [own]


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"time_zone": "Mars/Base"}, {"time_zone": ["Choose a time zone from the list."]}),
        ({"capacity": "-3"}, {"capacity": ["Ensure this value is greater than or equal to 1."]}),
        ({"title": ""}, {"title": ["This field is required."]}),
        ({"start": ""}, {"start": ["This field is required."]}),
        ({"online_url": "javascript:alert(1)"}, {"online_url": ["Enter a valid URL."]}),
        (
            {"visibility": "secret"},
            {"visibility": ["Select a valid choice. secret is not one of the available choices."]},
        ),
    ],
)
def test_event_form_refuses_bad_values(community, overrides, errors):
    form = EventForm(event_data(**overrides), community=community)

    assert form.errors == errors


def test_event_form_with_no_data_at_all_lists_the_required_fields(community):
    form = EventForm({}, community=community)

    assert sorted(form.errors) == ["end", "start", "time_zone", "title", "visibility"]


def test_event_form_reencodes_the_cover(community):
    form = EventForm(event_data(), {"cover": png_upload()}, community=community)

    assert form.is_valid(), form.errors
    assert form.service_kwargs()["cover"].name.endswith(".png")


def test_event_form_refuses_a_cover_that_is_not_an_image(community):
    fake = SimpleUploadedFile("cover.png", b"just text", content_type="image/png")

    form = EventForm(event_data(), {"cover": fake}, community=community)

    assert form.errors == {"cover": ["This file is not an image we can use. Upload a JPEG, PNG, WebP or GIF picture."]}


def test_event_form_for_an_existing_event_shows_local_times(community):
    start = dt.datetime(2030, 6, 10, 19, 0, tzinfo=PARIS)
    event = EventFactory(community=community, start=start, end=start + dt.timedelta(hours=2))

    form = EventForm(community=community, event=event)

    assert form["start"].value() == dt.datetime(2030, 6, 10, 19, 0)
    assert 'value="2030-06-10T21:00"' in str(form["end"])


def test_event_form_hides_the_slug_of_a_published_event(community):
    assert "slug" not in EventForm(community=community, event=EventFactory(community=community)).fields
    draft = EventFactory(community=community, status="draft", published_at=None)
    assert "slug" in EventForm(community=community, event=draft).fields


def test_event_form_service_kwargs_remove_the_cover_when_asked(community):
    event = EventFactory(community=community, cover="covers/old.png")

    form = EventForm(event_data(remove_cover="on"), community=community, event=event)

    assert form.is_valid(), form.errors
    assert form.service_kwargs()["cover"] == ""
    assert "slug" not in form.service_kwargs()


def test_event_form_defaults_to_the_community_time_zone():
    community = CommunityFactory(time_zone="Asia/Tokyo")

    assert EventForm(community=community)["time_zone"].value() == "Asia/Tokyo"


# TicketTypeForm


def ticket_data(**overrides):
    return {"name": "Standard", "description": "", "price": "0", "currency": "EUR", "quantity": "10", **overrides}


def test_ticket_type_form_reads_sales_times_in_the_event_time_zone():
    event = EventFactory(time_zone="Asia/Tokyo")

    form = TicketTypeForm(ticket_data(sales_end="2030-06-01T12:00"), event=event)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["sales_end"] == dt.datetime(2030, 6, 1, 3, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"price": "-5"}, {"price": ["The price cannot be negative: 0 makes the ticket free."]}),
        ({"price": "ten"}, {"price": ["Enter a number."]}),
        ({"quantity": "0"}, {"quantity": ["Ensure this value is greater than or equal to 1."]}),
        ({"currency": "BTC"}, {"currency": ["Choose a currency from the list."]}),
        (
            {"sales_start": "2030-06-02T10:00", "sales_end": "2030-06-01T10:00"},
            {"sales_end": ["Sales must end after they start."]},
        ),
    ],
)
def test_ticket_type_form_refuses_bad_values(overrides, errors):
    form = TicketTypeForm(ticket_data(**overrides), event=EventFactory())

    assert form.errors == errors


def test_ticket_type_form_help_text_says_the_capacity_caps_the_total():
    form = TicketTypeForm(event=EventFactory(capacity=80))

    assert form.fields["quantity"].help_text == (
        "How many tickets of this type can be sold. The event's capacity (80) caps the total "
        "of all ticket types: quantities may add up to more."
    )


def test_ticket_type_form_shows_the_current_values():
    ticket_type = TicketTypeFactory(name="Early bird", quantity=12)

    form = TicketTypeForm(event=ticket_type.event, ticket_type=ticket_type)

    assert (form["name"].value(), form["quantity"].value()) == ("Early bird", 12)


# CommunityForm, VenueForm, InvitationForm


def test_community_form_for_creation_has_a_slug_and_defaults():
    form = CommunityForm()

    assert "slug" in form.fields
    assert "remove_logo" not in form.fields
    assert (form["time_zone"].value(), form["language"].value()) == ("Europe/Paris", "en")


def test_community_form_for_editing_has_no_slug(community):
    form = CommunityForm(community=community)

    assert "slug" not in form.fields
    assert form["name"].value() == community.name


def test_community_form_refuses_a_tiny_logo():
    data = {"name": "X", "time_zone": "Europe/Paris", "language": "en"}

    form = CommunityForm(data, {"logo": png_upload(size=(20, 20))})

    assert form.errors == {"logo": ["The image is too small: 20×20 pixels, at least 64×64."]}


def test_venue_form_refuses_a_bad_map_link():
    form = VenueForm({"name": "Hall", "map_url": "not a link"})

    assert form.errors == {"map_url": ["Enter a valid URL."]}


def test_invitation_form_refuses_a_bad_email_and_role():
    form = InvitationForm({"email": "nobody", "role": "boss"})

    assert form.errors == {
        "email": ["Enter a valid email address."],
        "role": ["Select a valid choice. boss is not one of the available choices."],
    }


# Series forms


def test_pattern_choices_name_the_weekday_and_its_rank():
    start = dt.datetime(2030, 1, 29, 19, 0, tzinfo=PARIS)  # the 5th Tuesday
    event = EventFactory(start=start, end=start + dt.timedelta(hours=2))

    assert [label for _, label in pattern_choices(event)] == [
        "Every week, on Tuesday",
        "Every 2 weeks, on Tuesday",
        "Every month, on the 5th Tuesday (months without one are skipped)",
        "Every month, on day 29 (months without one are skipped)",
    ]


def test_repeat_pattern_form_gives_the_service_arguments():
    form = RepeatPatternForm({"pattern": "fortnightly", "count": "4"}, event=EventFactory())

    assert form.is_valid(), form.errors
    assert form.service_kwargs() == {"frequency": "weekly", "interval": 2, "monthly_by": "weekday", "count": 4}


def test_repeat_pattern_form_refuses_too_many_dates():
    form = RepeatPatternForm({"pattern": "weekly", "count": "500"}, event=EventFactory())

    assert form.errors == {"count": ["Ensure this value is less than or equal to 26."]}


def test_repeat_dates_form_offers_only_dates_without_an_event():
    proposals = [dt.date(2030, 1, 15), dt.date(2030, 1, 22)]

    form = RepeatDatesForm(proposals=proposals, existing={dt.date(2030, 1, 15)})

    assert [value for value, _ in form.fields["dates"].choices] == ["2030-01-22"]


def test_repeat_dates_form_refuses_a_date_that_was_not_proposed():
    form = RepeatDatesForm(
        {"dates": ["2030-01-22", "2031-05-05"], "publish": "1"}, proposals=[dt.date(2030, 1, 22)], existing=set()
    )

    assert form.errors == {"dates": ["2031-05-05 is not one of the proposed dates."]}


def test_repeat_dates_form_cleans_dates_and_publish_choice():
    form = RepeatDatesForm(
        {"dates": ["2030-01-29", "2030-01-22"], "publish": "1"},
        proposals=[dt.date(2030, 1, 22), dt.date(2030, 1, 29)],
        existing=set(),
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"dates": [dt.date(2030, 1, 22), dt.date(2030, 1, 29)], "publish": True}
