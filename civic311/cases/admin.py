from typing import Any

from django import forms
from django.contrib import admin

from .models import (
    Escalation,
    EscalationRule,
    RequestUpdate,
    RoutingRule,
    ServiceRequest,
    Status,
    StatusTransition,
    SuggestedDuplicate,
    Transfer,
)


class StatusTransitionInline(admin.TabularInline):
    model = StatusTransition
    fk_name = "from_status"
    extra = 0
    verbose_name = "extra allowed move from this status"
    verbose_name_plural = "extra allowed moves from this status (on top of the built-in ones)"


@admin.register(Status)
class StatusAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "open311_status", "pauses_sla", "order")
    list_editable = ("order", "pauses_sla")
    inlines = [StatusTransitionInline]


class RequestUpdateInline(admin.TabularInline):
    model = RequestUpdate
    extra = 0
    fields = ("created_at", "author_label", "status_from", "status_to", "text", "is_public")
    readonly_fields = fields
    can_delete = False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """A read-mostly view for administrators; case work happens in the staff pages."""

    list_display = ("public_id", "service_type", "detailed_status", "neighborhood", "channel", "sla_state",
                    "requested_at")
    list_filter = ("status", "detailed_status", "sla_state", "channel", "department")
    search_fields = ("public_id", "address")
    date_hierarchy = "requested_at"
    list_select_related = ("service_type", "detailed_status", "neighborhood", "channel")
    raw_id_fields = ("service_type", "neighborhood", "department", "queue", "assignee", "duplicate_of", "parent",
                     "routing_rule")
    show_full_result_count = False
    inlines = [RequestUpdateInline]


@admin.register(SuggestedDuplicate)
class SuggestedDuplicateAdmin(admin.ModelAdmin):
    """Read-only: suggestions are kept at intake and decided on the case page."""

    list_display = ("request", "candidate", "score", "decision", "decided_by", "created_at")
    list_filter = ("decision",)
    list_select_related = ("request", "candidate", "decided_by")
    search_fields = ("request__public_id", "candidate__public_id")
    readonly_fields = ("request", "candidate", "score", "reasons", "created_at", "decision", "decided_by",
                       "decided_at")
    show_full_result_count = False

    def has_add_permission(self, request: Any) -> bool:
        return False


WEEKDAYS = [(str(n), name) for n, name in enumerate(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])]


class RoutingRuleForm(forms.ModelForm):
    weekdays = forms.MultipleChoiceField(
        choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every day.",
    )

    class Meta:
        model = RoutingRule
        fields = ["name", "active", "priority", "service_type", "service_group", "district", "weekdays", "starts_at",
                  "ends_at", "valid_from", "valid_until", "department", "queue"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["weekdays"] = [d for d in self.instance.weekdays.split(",") if d]

    def clean_weekdays(self) -> str:
        return ",".join(sorted(self.cleaned_data["weekdays"]))


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Where new requests go; the first matching rule by priority decides."""

    form = RoutingRuleForm
    list_display = ("name", "priority", "active", "service_type", "service_group", "district", "weekdays",
                    "starts_at", "ends_at", "valid_from", "valid_until", "department", "queue")
    list_editable = ("priority", "active")
    list_filter = ("active", "department", "service_type__group", "service_type", "district__layer")
    list_select_related = ("service_type", "district", "department", "queue__department")
    search_fields = ("name", "service_group", "service_type__name", "district__name")
    raw_id_fields = ("district",)
    fieldsets = [
        (None, {"fields": ("name", "active", "priority")}),
        ("Which requests", {"fields": ("service_type", "service_group", "district")}),
        ("When (the city's local time)", {"fields": ("weekdays", "starts_at", "ends_at", "valid_from",
                                                      "valid_until")}),
        ("Where they go", {"fields": ("department", "queue")}),
    ]


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "breached_for_hours", "department", "service_type", "notify_role")
    list_filter = ("active", "notify_role", "department")
    list_editable = ("active",)


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("request", "rule", "created_at")
    list_filter = ("rule",)
    raw_id_fields = ("request",)
    list_select_related = ("request", "rule")

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    """Transfers between departments, with their reasons: the misroute KPI."""

    list_display = ("request", "created_at", "from_department", "to_department", "reason", "routing_rule")
    list_filter = ("from_department", "to_department", "routing_rule")
    date_hierarchy = "created_at"
    list_select_related = ("request", "from_department", "to_department", "routing_rule")
    raw_id_fields = ("request",)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: Any) -> bool:
        return False
