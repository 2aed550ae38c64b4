"""Knowledge-base articles (with their versions and translations), search synonyms, the FAQ
widget's counters and emergency campaigns."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Department, ServiceType


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class Topic(models.Model):
    """A heading the public FAQ list groups articles under (trash, streets, parking...)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    name_es = models.CharField(_("name in Spanish"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        return self.name_es if language == "es" and self.name_es else self.name


class Article(models.Model):
    """One article in one language. Articles that share a `translation_key` are versions of
    the same answer in different languages."""

    class Audience(models.TextChoices):
        PUBLIC = "public", _("public")
        STAFF = "staff", _("staff only")

    slug = models.SlugField(max_length=120, unique=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    translation_key = models.SlugField(
        max_length=120, db_index=True,
        help_text=_("The same key on every language version of one answer"),
    )
    title = models.CharField(max_length=200)
    body = models.TextField(help_text=_("Rich text; unsafe markup is removed on save"))
    keywords = models.CharField(max_length=500, blank=True, help_text=_("Comma separated"))
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles")
    service_types = models.ManyToManyField(ServiceType, blank=True, related_name="knowledge_articles")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    published = models.BooleanField(default=True)
    review_date = models.DateField(null=True, blank=True, help_text=_("When the owner must check it again"))
    owner_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="knowledge_articles",
    )
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    # Filled and indexed only on PostgreSQL (weighted, in the article's language).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["translation_key", "language"], name="one_article_per_language"),
        ]
        indexes = [models.Index(fields=["language", "audience", "published"], name="knowledge_article_filter")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]


class ArticleVersion(models.Model):
    """What an article said after each save (the article's history)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    keywords = models.CharField(max_length=500, blank=True)
    audience = models.CharField(max_length=10, choices=Article.Audience.choices)
    published = models.BooleanField()
    saved_at = models.DateTimeField(auto_now_add=True)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="one_version_number_per_article")]

    def __str__(self) -> str:
        return f"{self.article.slug} v{self.number}"


class SynonymSet(models.Model):
    """Words residents use for the same thing ("trash, garbage, rubbish"); a search for one
    also finds the others."""

    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    terms = models.CharField(max_length=500, help_text=_("Comma separated single words"))

    class Meta:
        ordering = ["language", "terms"]

    def __str__(self) -> str:
        return f"{self.language}: {self.terms}"

    def term_list(self) -> list[str]:
        return [term.strip().lower() for term in self.terms.split(",") if term.strip()]


class UsageCount(models.Model):
    """How often the FAQ pages and the widget were viewed and searched, per day: one row per
    (day, channel, event, article), incremented in place."""

    class Event(models.TextChoices):
        VIEW = "view", _("view")
        SEARCH = "search", _("search")
        ARTICLE = "article", _("article read")

    class Channel(models.TextChoices):
        PAGES = "pages", _("FAQ pages")
        WIDGET = "widget", _("embedded widget")

    day = models.DateField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    event = models.CharField(max_length=10, choices=Event.choices)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        # Two partial constraints rather than NULLS NOT DISTINCT, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(fields=["day", "channel", "event", "article"], name="one_usage_row_per_article",
                                    condition=models.Q(article__isnull=False)),
            models.UniqueConstraint(fields=["day", "channel", "event"], name="one_usage_row_without_article",
                                    condition=models.Q(article__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.event}: {self.count}"


class EmergencyCampaign(models.Model):
    """An emergency (a hurricane, a boil-water notice): while active, every public page shows
    its banner, the FAQ pins its articles and the agent desk shows the approved script."""

    name = models.CharField(max_length=120)
    banner = models.CharField(max_length=300, help_text=_("Shown on every public page (English)"))
    banner_es = models.CharField(_("banner in Spanish"), max_length=300, blank=True)
    desk_script = models.TextField(help_text=_("The approved script agents read to callers"))
    pinned_articles = models.ManyToManyField(Article, blank=True, related_name="campaigns")
    active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-active", "name"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True),
                                    name="at_most_one_active_campaign"),
        ]

    def __str__(self) -> str:
        return self.name

    def banner_in(self, language: str) -> str:
        return self.banner_es if language == "es" and self.banner_es else self.banner
