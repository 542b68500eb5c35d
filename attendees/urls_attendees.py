"""The organiser's attendee list of an event (mounted at /manage/)."""

from django.urls import path

from attendees import views_attendees as views

app_name = "attendees_list"

_attendees = "<slug:community>/events/<slug:event>/attendees/"

urlpatterns = [
    path(_attendees, views.attendees, name="attendees"),
    path(_attendees + "bulk/", views.attendees_bulk, name="bulk"),
    path(_attendees + "export.csv", views.attendees_export, name="export"),
    path(_attendees + "door-list/", views.door_list, name="door_list"),
]
