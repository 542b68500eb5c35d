"""Public pages: home, community pages, event pages, calendar feeds, sitemap, robots."""

from django.urls import path

app_name = "events"
urlpatterns: list = []
