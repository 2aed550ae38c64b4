"""Knowledge-base URLs: public FAQ pages and the widget (under /knowledge/), staff views.

URL names other apps may rely on:
- ``knowledge:article`` (slug) — the public article page
- ``knowledge:staff_article`` (slug) — an article as staff see it (staff-only articles too)
- ``knowledge:search`` — the public search page (``?q=``)
"""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "knowledge"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.faq_index, name="index"),
    path("search/", views.faq_search, name="search"),
    path("a/<slug:slug>/", views.article, name="article"),
    path("widget/", views.widget, name="widget"),
    path("widget/a/<slug:slug>/", views.widget_article, name="widget_article"),
    path("staff/a/<slug:slug>/", views.staff_article, name="staff_article"),
    path("staff/emergency/", views.emergency, name="emergency"),
    path("staff/emergency/<int:pk>/activate/", views.switch_campaign, {"action": "activate"},
         name="activate_campaign"),
    path("staff/emergency/<int:pk>/deactivate/", views.switch_campaign, {"action": "deactivate"},
         name="deactivate_campaign"),
]
