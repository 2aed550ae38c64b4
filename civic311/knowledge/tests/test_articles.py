"""Articles: sanitised bodies, a version and an audit event per save, translations."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from civic311.audit.models import AuditEvent
from civic311.knowledge import services
from civic311.knowledge.models import Article, ArticleVersion
from civic311.staff.models import StaffProfile
from civic311.staff.tests.factories import make_user

from .factories import add_article

pytestmark = pytest.mark.django_db


def test_body_keeps_formatting_and_loses_scripts_and_handlers() -> None:
    article = add_article("Bulk item pickup", (
        '<p onclick="steal()">Put it <strong>out</strong> by 7 am.</p><script>alert(1)</script>'
        '<a href="javascript:alert(1)">bad</a><a href="https://city.example/bulk">schedule</a>'
        '<img src=x onerror=alert(1)><style>body{}</style>'
    ))
    body = Article.objects.get(pk=article.pk).body
    assert "<strong>out</strong>" in body
    for forbidden in ("<script", "onclick", "javascript:", "onerror", "<img", "<style", "alert(1)</"):
        assert forbidden not in body
    assert 'href="https://city.example/bulk"' in body
    assert 'rel="noopener noreferrer"' in body


def test_every_save_keeps_a_version_and_an_audit_event_naming_the_editor() -> None:
    editor = make_user("editor", StaffProfile.Role.ADMINISTRATOR)
    article = add_article("Recycling days", "<p>Every Tuesday.</p>")
    article.body = "<p>Every Wednesday.</p>"
    services.save_article(article=article, actor=editor, reason="schedule changed")

    versions = list(ArticleVersion.objects.filter(article=article).order_by("number"))
    assert [(v.number, v.body) for v in versions] == [(1, "<p>Every Tuesday.</p>"), (2, "<p>Every Wednesday.</p>")]
    assert versions[1].saved_by == editor
    events = list(AuditEvent.objects.filter(object_type="knowledge.article", object_id=str(article.pk))
                  .order_by("id"))
    assert [e.action for e in events] == ["knowledge.article_created", "knowledge.article_saved"]
    assert events[1].actor == editor
    assert events[1].reason == "schedule changed"
    assert events[1].changes["body"] == "<p>Every Wednesday.</p>"
    assert "title" not in events[1].changes  # only what changed


def test_language_versions_share_a_key_and_a_language_appears_once() -> None:
    add_article("Missed trash pickup", key="missed-trash")
    add_article("Recolección de basura no realizada", language="es", key="missed-trash")
    assert set(Article.objects.filter(translation_key="missed-trash").values_list("language", flat=True)) == {
        "en", "es"}
    with pytest.raises(ValidationError):
        add_article("Another English one", key="missed-trash")


@pytest.mark.parametrize("fields", [
    {"title": ""},
    {"title": "x" * 201},
    {"language": "fr"},
    {"audience": "everyone"},
    {"slug": "not a slug!"},
])
def test_invalid_articles_are_refused_and_nothing_is_saved(fields: dict[str, str]) -> None:
    title = fields.pop("title", "A title")
    with pytest.raises(ValidationError):
        add_article(title, **fields)  # type: ignore[arg-type]
    assert not Article.objects.exists()
    assert not AuditEvent.objects.filter(object_type="knowledge.article").exists()


def test_deleting_an_article_is_audited_and_leaves_search() -> None:
    from civic311.knowledge.search import search_articles

    article = add_article("Street light out", keywords="streetlight")
    assert search_articles("streetlight")
    article_id = article.pk
    services.delete_article(article=article)
    assert search_articles("streetlight") == []
    assert AuditEvent.objects.filter(action="knowledge.article_deleted", object_id=str(article_id)).exists()
