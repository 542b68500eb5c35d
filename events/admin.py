"""The Django admin for events: for looking things up; changes go through the organiser pages and services."""

from django.contrib import admin
from django.db import models
from django.utils import timezone

from events.models import Community, Event, Invitation, Membership, Series, TicketType, Venue
from events.services.event import CALENDAR_FIELDS


class TouchesUpdatedAt:
    """Saving here still marks the row changed, so cached public pages and calendars refresh."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Community)
class CommunityAdmin(TouchesUpdatedAt, admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "language", "created_at"]
    search_fields = ["name", "slug", "tagline"]
    list_filter = ["language"]
    readonly_fields = ["slug", "created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "created_at"]
    list_filter = ["role", "community"]
    search_fields = ["user__email", "community__name"]
    list_select_related = ["user", "community"]
    raw_id_fields = ["user", "community"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: the token is a secret and accepting has rules; organisers use the members page."""

    list_display = ["email", "community", "role", "created_at", "accepted_at"]
    list_filter = ["role", "community"]
    search_fields = ["email", "community__name"]
    list_select_related = ["community"]
    exclude = ["token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Venue)
class VenueAdmin(TouchesUpdatedAt, admin.ModelAdmin):
    list_display = ["name", "community", "city", "country"]
    list_filter = ["community"]
    search_fields = ["name", "address", "city"]
    list_select_related = ["community"]
    readonly_fields = ["updated_at"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "frequency", "created_at"]
    list_filter = ["frequency", "community"]
    search_fields = ["title"]
    list_select_related = ["community"]


class TicketTypeInline(admin.TabularInline):
    model = TicketType
    extra = 0
    fields = ["name", "price", "currency", "quantity", "quantity_sold", "sales_start", "sales_end", "position"]
    readonly_fields = ["quantity_sold"]


@admin.register(Event)
class EventAdmin(TouchesUpdatedAt, admin.ModelAdmin):
    list_display = ["title", "community", "start", "status", "visibility", "seats_taken", "capacity"]
    list_filter = ["status", "visibility", "community"]
    search_fields = ["title", "slug", "summary"]
    date_hierarchy = "start"
    list_select_related = ["community"]
    raw_id_fields = ["venue", "series"]
    # Counters and calendar identity belong to the services: editing them here would break invariants.
    readonly_fields = ["seats_taken", "uid", "sequence", "created_at", "updated_at", "published_at", "cancelled_at"]
    inlines = [TicketTypeInline]

    def save_model(self, request, obj, form, change):
        if change and CALENDAR_FIELDS.intersection(form.changed_data):
            obj.sequence += 1
        super().save_model(request, obj, form, change)
