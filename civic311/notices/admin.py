from django.contrib import admin

from .models import OutboxMessage, Subscriber, Subscription, Topic


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
