"""Public pages: home, community pages, event pages, calendar feeds, sitemap, robots."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from events import views
from events.sitemaps import SITEMAPS

app_name = "events"
urlpatterns = [
    path("", views.home, name="home"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots, name="robots"),
    path("c/<slug:community>/", views.community, name="community"),
    path("c/<slug:community>/calendar.ics", views.community_calendar, name="community_calendar"),
    path("c/<slug:community>/<slug:event>/", views.event, name="event"),
    path("c/<slug:community>/<slug:event>/event.ics", views.event_ics, name="event_ics"),
]
