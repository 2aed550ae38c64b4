from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import announcements
from .models import Announcement, OutboxMessage, Subscriber, Subscription, Topic


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "kind", "state", "attempts", "created_at", "sent_at")
    list_filter = ("state", "channel", "kind")
    search_fields = ("reference",)
    readonly_fields = ("key", "attempts", "lease_until", "lease_token", "sent_at", "last_error")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_es", "active", "order")
    list_editable = ("active", "order")


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    raw_id_fields = ("district", "topic", "request")


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "language", "created_at", "confirmed_at", "unsubscribed_at")
    list_filter = ("channel", "language")
    inlines = [SubscriptionInline]


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    """Staff write announcements here; "Publish" sends them now, or at their time."""

    list_display = ("title", "topic", "is_emergency", "state", "publish_at", "published_at", "recipients")
    list_filter = ("state", "is_emergency", "topic")
    filter_horizontal = ("districts",)
    readonly_fields = ("state", "published_at", "recipients", "created_by", "created_at")
    fieldsets = (
        (None, {"fields": ("title", "body", "title_es", "body_es", "topic", "districts")}),
        (_("Delivery"), {"fields": ("by_email", "by_sms", "by_webhook", "is_emergency", "publish_at", "expires_at")}),
        (_("Calendar"), {"fields": ("event_starts_at", "event_ends_at", "recurrence")}),
        (_("Status"), {"fields": ("state", "published_at", "recipients", "created_by", "created_at")}),
    )
    actions = ["publish_selected"]

    def save_model(self, request: HttpRequest, obj: Announcement, form: Any, change: bool) -> None:
        if obj.created_by_id is None and request.user.is_authenticated:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish (now, or at the scheduled time)"))
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Announcement]) -> None:
        for item in queryset:
            try:
                done = announcements.publish(item, actor=request.user)
            except announcements.AnnouncementRefused as error:
                self.message_user(request, f"{item.title}: {error}", level=messages.ERROR)
            else:
                self.message_user(request, f"{item.title}: {done.get_state_display()} ({done.recipients})")
