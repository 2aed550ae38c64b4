"""Staff read every article (staff-only ones too); administrators edit articles in the
admin, and every admin save goes through the service (version, audit event, index)."""

from __future__ import annotations

import pytest
from django.test import Client

from civic311.audit.models import AuditEvent
from civic311.knowledge.models import Article, ArticleVersion
from civic311.knowledge.search import search_articles
from civic311.staff.tests.factories import City, build_city, logged_in

from .factories import add_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db: None) -> City:
    return build_city()


def test_agents_read_staff_only_articles_with_owner_and_review_date(city: City) -> None:
    add_article("Transferring a caller to 911", audience="staff", slug="transfer", owner_department=city.works,
                review_date="2027-01-31")
    page = logged_in(city.agent).get("/knowledge/staff/a/transfer/").content.decode()
    assert "Transferring a caller to 911" in page
    assert "Staff only" in page and "Public Works" in page and "2027-01-31" in page


def test_the_staff_article_page_is_closed_to_the_public(city: City) -> None:
    add_article("Transferring a caller to 911", audience="staff", slug="transfer")
    response = Client().get("/knowledge/staff/a/transfer/")
    assert response.status_code == 302 and "/login" in response["Location"]
    assert logged_in(city.nobody).get("/knowledge/staff/a/transfer/").status_code == 403
    assert logged_in(city.agent).get("/knowledge/staff/a/nothing/").status_code == 404


def test_an_admin_edit_keeps_a_version_and_audit_event_and_reindexes(city: City) -> None:
    article = add_article("Leaf collection", "<p>In November.</p>", slug="leaves", key="leaves")
    client = logged_in(city.admin)
    city.admin.is_staff = True
    city.admin.is_superuser = True
    city.admin.save()
    response = client.post(f"/admin/knowledge/article/{article.pk}/change/", {
        "slug": "leaves", "language": "en", "translation_key": "leaves", "title": "Yard waste collection",
        "body": '<p onmouseover="x()">From October.</p>', "keywords": "leaves, yard waste", "audience": "public",
        "published": "on", "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "0", "versions-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.body == "<p>From October.</p>"
    assert article.version == 2
    assert ArticleVersion.objects.filter(article=article).count() == 2
    assert AuditEvent.objects.filter(action="knowledge.article_saved", actor=city.admin).exists()
    assert [hit.slug for hit in search_articles("yard")] == ["leaves"]
    client.post(f"/admin/knowledge/article/{article.pk}/delete/", {"post": "yes"})
    assert not Article.objects.filter(pk=article.pk).exists()
    assert search_articles("yard") == []


def test_synonyms_added_in_the_admin_apply_to_the_next_search(city: City) -> None:
    add_article("Missed garbage collection", slug="garbage")
    assert search_articles("rubbish") == []  # caches the synonyms (none yet)
    city.admin.is_staff = True
    city.admin.is_superuser = True
    city.admin.save()
    response = logged_in(city.admin).post("/admin/knowledge/synonymset/add/",
                                          {"language": "en", "terms": "trash, garbage, rubbish"})
    assert response.status_code == 302
    assert [hit.slug for hit in search_articles("rubbish")] == ["garbage"]


def test_admin_lists_articles_overdue_for_review(city: City) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from civic311.places.middleware import jurisdiction_zone

    # The city's today, as the admin sees it (not UTC's: they differ for hours each night).
    today = timezone.localdate(timezone=jurisdiction_zone())
    add_article("Old leaf rules", review_date=today - timedelta(days=1))
    add_article("Fresh snow rules", review_date=today + timedelta(days=10))
    add_article("Evergreen answer", review_date=today + timedelta(days=300))
    city.admin.is_staff = True
    city.admin.is_superuser = True
    city.admin.save()
    client = logged_in(city.admin)
    overdue = client.get("/admin/knowledge/article/", {"review": "overdue"}).content.decode()
    soon = client.get("/admin/knowledge/article/", {"review": "soon"}).content.decode()
    assert "Old leaf rules" in overdue and "Fresh snow rules" not in overdue and "Evergreen" not in overdue
    assert "Fresh snow rules" in soon and "Old leaf rules" not in soon and "Evergreen" not in soon
