"""Organisers' writes on an event's doors: add, rename and limit, reorder, delete (with what must stay)."""

import pytest
from django.utils import timezone

from checkin.models import Door
from checkin.services.doors import MAX_DOORS, DoorError, create_door, delete_door, doors_for, move_door, update_door
from tests.checkin_manage.helpers import scan
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def _names(event):
    return list(Door.objects.filter(event=event).order_by("position", "pk").values_list("name", flat=True))


def test_doors_for_makes_the_main_door_once():
    event = EventFactory(community__language="en")

    first = doors_for(event=event)
    again = doors_for(event=event)

    assert [d.name for d in first] == ["Main door"]
    assert [d.pk for d in again] == [d.pk for d in first]
    assert Door.objects.filter(event=event).count() == 1


def test_create_door_adds_at_the_end_with_its_ticket_types():
    event = EventFactory()
    doors_for(event=event)
    speaker = TicketTypeFactory(event=event, name="Speaker")
    TicketTypeFactory(event=event, name="General")

    door = create_door(event=event, name="  Speakers   entrance ", ticket_types=[speaker.pk])

    assert door.name == "Speakers entrance"
    assert list(door.ticket_types.all()) == [speaker]
    assert _names(event) == ["Main door", "Speakers entrance"]
    assert len(door.code) >= 8


@pytest.mark.parametrize(
    ("name", "code"),
    [("", "name_required"), ("   ", "name_required"), (None, "name_required"), ("x" * 101, "name_too_long"),
     ("main DOOR", "name_taken")],
)  # fmt: skip
def test_create_door_refuses_bad_names(name, code):
    event = EventFactory()
    doors_for(event=event)

    with pytest.raises(DoorError) as error:
        create_door(event=event, name=name)

    assert error.value.code == code
    assert error.value.field == "name"
    assert _names(event) == ["Main door"]


def test_create_door_refuses_a_ticket_type_of_another_event():
    event = EventFactory()
    other = TicketTypeFactory()

    with pytest.raises(DoorError) as error:
        create_door(event=event, name="Merch desk", ticket_types=[other.pk])

    assert (error.value.code, error.value.message) == (
        "unknown_ticket_type",
        "Choose ticket types of this event from the list.",
    )
    assert not Door.objects.filter(event=event, name="Merch desk").exists()


def test_create_door_refuses_garbage_ticket_type_ids():
    event = EventFactory()

    with pytest.raises(DoorError) as error:
        create_door(event=event, name="Merch desk", ticket_types=["1; drop table", None])

    assert error.value.code == "unknown_ticket_type"


def test_create_door_stops_at_the_most_doors():
    event = EventFactory()
    for n in range(MAX_DOORS):
        create_door(event=event, name=f"Door {n}")

    with pytest.raises(DoorError) as error:
        create_door(event=event, name="One too many")

    assert error.value.code == "too_many_doors"
    assert Door.objects.filter(event=event).count() == MAX_DOORS


def test_update_door_renames_and_changes_the_limit():
    event = EventFactory()
    general = TicketTypeFactory(event=event, name="General")
    student = TicketTypeFactory(event=event, name="Student")
    door = create_door(event=event, name="Side", ticket_types=[general.pk])

    update_door(door=door, name="Students", ticket_types=[student.pk])
    door.refresh_from_db()

    assert door.name == "Students"
    assert list(door.ticket_types.all()) == [student]

    update_door(door=door, name="Students", ticket_types=[])

    assert list(door.ticket_types.all()) == []


def test_update_door_may_keep_its_own_name_but_not_take_another():
    event = EventFactory()
    main = doors_for(event=event)[0]
    side = create_door(event=event, name="Side")

    update_door(door=main, name="MAIN door")
    with pytest.raises(DoorError) as error:
        update_door(door=side, name="main door")

    assert error.value.code == "name_taken"
    assert _names(event) == ["MAIN door", "Side"]


def test_delete_door_refuses_the_last_door():
    event = EventFactory()
    door = doors_for(event=event)[0]

    with pytest.raises(DoorError) as error:
        delete_door(door=door)

    assert error.value.code == "last_door"
    assert error.value.message == "An event needs at least one door: add another one before deleting this one."
    assert _names(event) == ["Main door"]


def test_delete_door_refuses_a_door_with_scans():
    event = EventFactory()
    doors_for(event=event)
    side = create_door(event=event, name="Side")
    scan(side, at=timezone.now(), successful=False, reason="unknown")

    with pytest.raises(DoorError) as error:
        delete_door(door=side)

    assert error.value.code == "has_checkins"
    assert error.value.message == "“Side” has 1 scan recorded: it stays, so the record of who came in stays too."
    assert _names(event) == ["Main door", "Side"]


def test_delete_door_deletes_an_unused_door():
    event = EventFactory()
    doors_for(event=event)
    side = create_door(event=event, name="Side")

    delete_door(door=side)

    assert _names(event) == ["Main door"]


def test_move_door_swaps_with_its_neighbour_and_stops_at_the_ends():
    event = EventFactory()
    doors_for(event=event)
    create_door(event=event, name="B")
    c = create_door(event=event, name="C")

    move_door(door=c, direction="up")
    assert _names(event) == ["Main door", "C", "B"]
    move_door(door=c, direction="up")
    move_door(door=c, direction="up")
    assert _names(event) == ["C", "Main door", "B"]
    with pytest.raises(DoorError) as error:
        move_door(door=c, direction="sideways")
    assert error.value.code == "direction_invalid"
    assert _names(event) == ["C", "Main door", "B"]
