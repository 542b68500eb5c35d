"""Organiser pages of the door, under the event's organiser address (mounted at /manage/): see docs/door-protocol.md."""

from django.urls import path

from checkin import views_manage as views

app_name = "checkin_manage"

_doors = "<slug:community>/events/<slug:event>/doors/"
_door = _doors + "<int:door>/"

urlpatterns = [
    path(_doors, views.doors, name="doors"),
    path(_doors + "new/", views.door_create, name="door_create"),
    path(_doors + "stats/", views.stats, name="stats"),
    path(_doors + "stats/live/", views.stats_live, name="stats_live"),
    path(_door + "edit/", views.door_edit, name="door_edit"),
    path(_door + "delete/", views.door_delete, name="door_delete"),
    path(_door + "move/", views.door_move, name="door_move"),
]
