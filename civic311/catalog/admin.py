from django.contrib import admin

from .models import Channel, Department, Queue, ServiceAttribute, ServiceType


class QueueInline(admin.TabularInline):
    model = Queue
    extra = 0


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "email", "active")
    search_fields = ("name", "code")
    inlines = [QueueInline]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "department", "active")
    list_filter = ("department",)
    search_fields = ("name", "code")


class ServiceAttributeInline(admin.StackedInline):
    model = ServiceAttribute
    extra = 0


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "group", "kind", "department", "queue", "sla_hours", "active")
    list_filter = ("active", "kind", "group", "department")
    search_fields = ("name", "code", "keywords")
    list_select_related = ("department", "queue__department")
    inlines = [ServiceAttributeInline]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "active")
