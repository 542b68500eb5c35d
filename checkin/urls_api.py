"""URLs of the door: see docs/door-protocol.md."""

from django.urls import path

from checkin import views_api

app_name = "checkin_api"

urlpatterns = [
    path("door/<str:code>/scan", views_api.scan, name="scan"),
    path("door/<str:code>/sync", views_api.sync, name="sync"),
    path("door/<str:code>/list", views_api.door_list, name="list"),
    path("door/<str:code>/search", views_api.search, name="search"),
    path("door/<str:code>/undo", views_api.undo, name="undo"),
    path("door/<str:code>/counts", views_api.counts, name="counts"),
]
