"""Top-level URLs: each app brings its own."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config.views import healthz, switch_language

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("language/", switch_language, name="switch_language"),
    path("manage/", include("checkin.urls_manage")),
    path("manage/", include("attendees.urls_dashboard")),
    path("", include("attendees.urls_fans")),  # the people pages (manage/<community>/people/) and my/data/
    path("manage/", include("attendees.urls_manage")),
    path("manage/", include("attendees.urls_attendees")),
    path("manage/", include("events.urls_manage")),
    path("", include("checkin.urls_api")),
    path("", include("checkin.urls_door")),
    path("", include("attendees.urls")),
    path("", include("events.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
