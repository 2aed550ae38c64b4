"""Knowledge-base URLs: public FAQ pages and the widget (under /knowledge/), staff views.

URL names other apps may rely on:
- ``knowledge:article`` (slug) — the public article page
- ``knowledge:staff_article`` (slug) — an article as staff see it (staff-only articles too)
- ``knowledge:search`` — the public search page (``?q=``)
"""

from django.urls import URLPattern, URLResolver

app_name = "knowledge"
urlpatterns: list[URLPattern | URLResolver] = []
