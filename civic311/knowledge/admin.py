"""Editing the knowledge base: every save and delete goes through the services (version,
audit event, search index)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import search, services
from .models import Article, ArticleVersion, EmergencyCampaign, SynonymSet, Topic, UsageCount

if TYPE_CHECKING:  # a development-only package
    from django_stubs_ext import StrOrPromise


class ArticleVersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ("number", "title", "audience", "published", "saved_at", "saved_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReviewFilter(admin.SimpleListFilter):
    """Articles whose owner must check them: past their review date, or due within 30 days."""

    title = _("review")
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [("overdue", _("overdue")), ("soon", _("due within 30 days"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> QuerySet[Article]:
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(review_date__lt=today)
        if self.value() == "soon":
            return queryset.filter(review_date__gte=today, review_date__lte=today + timedelta(days=30))
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "language", "audience", "topic", "owner_department", "review_date", "published",
                    "version")
    list_filter = (ReviewFilter, "language", "audience", "published", "topic", "owner_department")
    search_fields = ("title", "keywords", "slug", "translation_key")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("service_types",)
    readonly_fields = ("version", "updated_at")
    inlines = [ArticleVersionInline]

    def save_model(self, request: HttpRequest, obj: Article, form: ModelForm, change: bool) -> None:
        services.save_article(article=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        services.delete_article(article=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            services.delete_article(article=article, actor=request.user)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "name_es", "order")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(SynonymSet)
class SynonymSetAdmin(admin.ModelAdmin):
    list_display = ("terms", "language")
    list_filter = ("language",)

    def save_model(self, request: HttpRequest, obj: SynonymSet, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        search.index_changed()

    def delete_model(self, request: HttpRequest, obj: SynonymSet) -> None:
        super().delete_model(request, obj)
        search.index_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SynonymSet]) -> None:
        super().delete_queryset(request, queryset)
        search.index_changed()


@admin.register(EmergencyCampaign)
class EmergencyCampaignAdmin(admin.ModelAdmin):
    """Campaigns are prepared here; switching one on or off is done on the emergency page
    (audited), so `active` is read-only."""

    list_display = ("name", "active", "activated_at", "deactivated_at")
    filter_horizontal = ("pinned_articles",)
    readonly_fields = ("active", "activated_at", "activated_by", "deactivated_at", "deactivated_by")


@admin.register(UsageCount)
class UsageCountAdmin(admin.ModelAdmin):
    list_display = ("day", "channel", "event", "article", "count")
    list_filter = ("channel", "event", "day")
    readonly_fields = ("day", "channel", "event", "article", "count")
