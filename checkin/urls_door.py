"""URLs of the door pages on the volunteer's phone: see docs/door-protocol.md."""

from django.urls import path

from checkin import views_door

app_name = "checkin_door"

# Door codes are secrets.token_urlsafe: letters, digits, "-" and "_", which is what <slug:> takes; anything else
# (a NUL byte, which PostgreSQL refuses in a query) is a 404 before any lookup.
urlpatterns = [
    path("door/", views_door.door_index, name="index"),
    path("door/sw.js", views_door.service_worker, name="service_worker"),
    path("door/<slug:code>/", views_door.door_page, name="door"),
    path("d/<slug:code>/", views_door.short_link, name="short_link"),
]
