from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("neighborhoods.geojson", views.neighborhoods_geojson, name="neighborhoods-geojson"),
    path("report/", views.report_choose, name="report"),
    path("report/<str:code>/", views.report_form, name="report-form"),
    path("requests/", views.track_lookup, name="track-lookup"),
    path("requests/<str:public_id>/", views.track, name="track"),
    path("nearby/", views.nearby, name="nearby"),
    path("nearby.geojson", views.nearby_geojson, name="nearby-geojson"),
]
