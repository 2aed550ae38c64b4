from django.contrib import admin

from .models import (
    BusinessCalendar,
    Channel,
    Department,
    Holiday,
    Queue,
    ServiceAttribute,
    ServiceType,
    WorkingHours,
)


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
    list_display = ("name", "code", "group", "kind", "department", "queue", "sla_hours", "sla_kind", "active")
    list_filter = ("active", "kind", "sla_kind", "group", "department")
    search_fields = ("name", "code", "keywords")
    list_select_related = ("department", "queue__department")
    inlines = [ServiceAttributeInline]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "active")


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0
    ordering = ("-date",)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    """The working week and holidays business-hours SLAs count in."""

    list_display = ("name", "time_zone", "is_default")
    inlines = [WorkingHoursInline, HolidayInline]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "calendar")
    list_filter = ("calendar",)
    date_hierarchy = "date"
    search_fields = ("name",)
