"""Organiser pages: communities, members, venues, events, ticket types, series."""

from django.urls import path

from events import views_manage as views

app_name = "manage"

_event = "<slug:community>/events/<slug:event>/"
_ticket = _event + "tickets/<int:ticket_type>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.community_create, name="community_create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("<slug:community>/", views.community, name="community"),
    path("<slug:community>/edit/", views.community_edit, name="community_edit"),
    path("<slug:community>/members/", views.members, name="members"),
    path("<slug:community>/members/<int:membership>/role/", views.member_role, name="member_role"),
    path("<slug:community>/members/<int:membership>/remove/", views.member_remove, name="member_remove"),
    path("<slug:community>/invitations/<int:invitation>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("<slug:community>/venues/", views.venues, name="venues"),
    path("<slug:community>/venues/new/", views.venue_create, name="venue_create"),
    path("<slug:community>/venues/<int:venue>/edit/", views.venue_edit, name="venue_edit"),
    path("<slug:community>/venues/<int:venue>/delete/", views.venue_delete, name="venue_delete"),
    path("<slug:community>/events/new/", views.event_create, name="event_create"),
    path(_event, views.event, name="event"),
    path(_event + "edit/", views.event_edit, name="event_edit"),
    path(_event + "publish/", views.event_publish, name="event_publish"),
    path(_event + "unpublish/", views.event_unpublish, name="event_unpublish"),
    path(_event + "cancel/", views.event_cancel, name="event_cancel"),
    path(_event + "delete/", views.event_delete, name="event_delete"),
    path(_event + "repeat/", views.event_repeat, name="event_repeat"),
    path(_event + "tickets/new/", views.ticket_type_create, name="ticket_type_create"),
    path(_ticket + "edit/", views.ticket_type_edit, name="ticket_type_edit"),
    path(_ticket + "delete/", views.ticket_type_delete, name="ticket_type_delete"),
    path(_ticket + "move/", views.ticket_type_move, name="ticket_type_move"),
]
