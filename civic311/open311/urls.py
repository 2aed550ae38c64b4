"""/open311/v2/: the GeoReport v2 resources, each in .xml and .json, then a catch-all so an
unknown path gets an Open311 404 instead of the site's HTML page."""

from django.urls import URLPattern, path, re_path

from . import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns: list[URLPattern] = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)" + FMT, views.service_definition, name="service_definition"),
    re_path(r"^requests" + FMT, views.service_requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+)" + FMT, views.service_request, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FMT, views.token, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.request_updates, name="request_updates"),
    path("openapi.json", views.openapi_document, {"fmt": "json"}, name="openapi"),
    path("media/<int:attachment_id>", views.attachment, name="attachment"),
    re_path(r"^(?P<path>[\s\S]*)$", views.unknown_resource),  # "." would miss newlines
]
