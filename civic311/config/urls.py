"""Root URL configuration."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("open311/v2/", include("civic311.open311.urls")),
    path("staff/", include("civic311.staff.urls")),
    path("desk/", include("civic311.contacts.urls")),
    path("places/", include("civic311.places.urls")),
    path("knowledge/", include("civic311.knowledge.urls")),
    path("notices/", include("civic311.notices.urls")),
    path("insight/", include("civic311.insight.urls")),
    path("", include("civic311.portal.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
