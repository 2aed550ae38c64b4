from django.contrib import admin
from django.http import HttpRequest

from .models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "source_format", "path", "outcome", "rows_read", "created", "updated", "rejected")
    list_filter = ("outcome", "source_format")
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
