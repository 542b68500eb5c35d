"""URLs of the people pages: a community's people for its organisers (under /manage/), and a fan's own data
(under /my/). Mounted at the root, before the other organiser URL modules."""

from django.urls import path

from attendees import views_fans as views

app_name = "fans"

_people = "manage/<slug:community>/people/"
_fan = _people + "<int:fan>/"

urlpatterns = [
    path(_people, views.people, name="people"),
    path(_fan, views.fan, name="fan"),
    path(_fan + "note/", views.fan_note, name="fan_note"),
    path(_fan + "tags/", views.fan_tag_add, name="fan_tag_add"),
    path(_fan + "tags/<int:tag>/remove/", views.fan_tag_remove, name="fan_tag_remove"),
    path(_fan + "flag/", views.fan_flag, name="fan_flag"),
    path(_fan + "unflag/", views.fan_unflag, name="fan_unflag"),
    path(_fan + "erase/", views.fan_erase, name="fan_erase"),
    path(_fan + "export.json", views.fan_export, {"fmt": "json"}, name="fan_export_json"),
    path(_fan + "export.csv", views.fan_export, {"fmt": "csv"}, name="fan_export_csv"),
    path("my/data/", views.my_data, name="my_data"),
    path("my/data/<slug:community>/export.json", views.my_data_export, {"fmt": "json"}, name="my_data_json"),
    path("my/data/<slug:community>/export.csv", views.my_data_export, {"fmt": "csv"}, name="my_data_csv"),
    path("my/data/<slug:community>/erase/", views.my_data_erase, name="my_data_erase"),
]
