from django.contrib import admin

from .models import Constituent, Contact, EmergencyTerm


@admin.register(Constituent)
class ConstituentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "preferred_language", "consent_contact", "consent_updates", "created_at")
    search_fields = ("name", "email", "phone")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("started_at", "channel", "reason", "outcome", "agent", "handle_seconds")
    list_filter = ("channel", "reason", "outcome")
    raw_id_fields = ("constituent", "request")


@admin.register(EmergencyTerm)
class EmergencyTermAdmin(admin.ModelAdmin):
    """The words that prompt an agent to transfer a caller to 911."""

    list_display = ("phrase", "language", "active")
    list_filter = ("language", "active")
    list_editable = ("active",)
    search_fields = ("phrase",)
