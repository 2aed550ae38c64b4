"""API keys in the admin: issue one (the key is shown once, on the page after saving),
change its name or rate limit, and revoke keys."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import ApiKey
from .services import revoke_api_key, save_new_api_key


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "active", "rate_limit_per_minute", "created_at", "last_used_at", "revoked_at")
    list_filter = ("active",)
    search_fields = ("name", "prefix")
    fields = ("name", "notes", "rate_limit_per_minute", "prefix", "active", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "active", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key = save_new_api_key(obj, actor=request.user)
        messages.warning(
            request,
            _("The API key for %(name)s is %(key)s — copy it now: it is stored hashed and cannot be shown again.")
            % {"name": obj.name, "key": key},
        )

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False  # revoke instead: the audit trail keeps naming the key

    @admin.action(description=gettext_lazy("Revoke the selected API keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = 0
        for api_key in queryset.filter(active=True):
            revoke_api_key(api_key, actor=request.user)
            count += 1
        self.message_user(
            request, ngettext("Revoked %(count)d API key.", "Revoked %(count)d API keys.", count) % {"count": count},
            messages.SUCCESS,
        )
