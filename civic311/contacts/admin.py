from django.contrib import admin

from .models import Constituent, Contact


@admin.register(Constituent)
class ConstituentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "preferred_language", "consent_contact", "consent_updates", "created_at")
    search_fields = ("name", "email", "phone")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("started_at", "channel", "reason", "outcome", "agent")
    list_filter = ("channel", "reason", "outcome")
    raw_id_fields = ("constituent", "request")
