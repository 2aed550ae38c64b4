from django.contrib import admin

from .models import RequestUpdate, ServiceRequest, Status


@admin.register(Status)
class StatusAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "open311_status", "order")
    list_editable = ("order",)


class RequestUpdateInline(admin.TabularInline):
    model = RequestUpdate
    extra = 0
    fields = ("created_at", "author_label", "status_from", "status_to", "text", "is_public")
    readonly_fields = fields
    can_delete = False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """A read-mostly view for administrators; case work happens in the staff pages."""

    list_display = ("public_id", "service_type", "detailed_status", "neighborhood", "channel", "requested_at")
    list_filter = ("status", "detailed_status", "channel", "department")
    search_fields = ("public_id", "address")
    date_hierarchy = "requested_at"
    list_select_related = ("service_type", "detailed_status", "neighborhood", "channel")
    raw_id_fields = ("service_type", "neighborhood", "department", "queue")
    show_full_result_count = False
    inlines = [RequestUpdateInline]
