"""Admin views of orders, tickets and the waiting list: for looking, not for changing counters by hand."""

from django.contrib import admin

from attendees.models import Order, ProcessedStripeEvent, Ticket, WaitingListEntry


class TicketInline(admin.TabularInline):
    model = Ticket
    extra = 0
    fields = ["holder_name", "holder_email", "ticket_type", "price", "status"]
    readonly_fields = fields
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["reference", "event", "buyer_name", "buyer_email", "status", "total", "currency", "created_at"]
    list_filter = ["status"]
    search_fields = ["reference", "buyer_email", "buyer_name", "stripe_checkout_session_id"]
    list_select_related = ["event"]
    inlines = [TicketInline]
    # Statuses move only through attendees.services, which keeps the seat counters right.
    readonly_fields = [f.name for f in Order._meta.fields if f.name not in ("buyer_name",)]

    def has_add_permission(self, request):
        return False


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(admin.ModelAdmin):
    list_display = ["email", "event", "quantity", "status", "created_at", "offer_expires_at"]
    list_filter = ["status"]
    search_fields = ["email", "name"]
    list_select_related = ["event"]
    readonly_fields = [f.name for f in WaitingListEntry._meta.fields if f.name not in ("name",)]

    def has_add_permission(self, request):
        return False


@admin.register(ProcessedStripeEvent)
class ProcessedStripeEventAdmin(admin.ModelAdmin):
    list_display = ["stripe_event_id", "type", "outcome", "order", "received_at"]
    search_fields = ["stripe_event_id"]
    readonly_fields = ["stripe_event_id", "type", "outcome", "order", "received_at"]
