"""Organiser pages: communities, members, venues, events, ticket types, series."""

from django.urls import path

app_name = "manage"
urlpatterns: list = []
