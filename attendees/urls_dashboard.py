"""The community dashboard (mounted at /manage/)."""

from django.urls import path

from attendees import views_dashboard as views

app_name = "dashboard"

urlpatterns = [
    path("<slug:community>/dashboard/", views.dashboard, name="dashboard"),
    path("<slug:community>/dashboard/numbers.csv", views.dashboard_csv, name="csv"),
]
