"""Admin views of doors and check-ins: check-ins are a record, read here and never changed by hand."""

from django.contrib import admin

from checkin.models import CheckIn, Door


@admin.register(Door)
class DoorAdmin(admin.ModelAdmin):
    list_display = ["name", "event", "code", "position"]
    search_fields = ["name", "event__title", "code"]
    list_select_related = ["event"]
    raw_id_fields = ["event"]
    filter_horizontal = ["ticket_types"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["scanned_at", "event", "door", "ticket", "kind", "successful", "reason", "conflict", "undone_at"]
    list_filter = ["kind", "successful", "reason", "conflict", "offline"]
    search_fields = ["ticket__holder_name", "device", "nonce"]
    list_select_related = ["event", "door", "ticket__ticket_type"]
    date_hierarchy = "scanned_at"
    readonly_fields = [f.name for f in CheckIn._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
