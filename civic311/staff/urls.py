from django.urls import path

from . import views

app_name = "staff"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("queue/", views.queue, name="queue"),
    path("queue/map.geojson", views.queue_map_points, name="queue-points"),
    path("queue/bulk/", views.bulk_action, name="bulk"),
    path("queue/<str:department_code>/", views.queue, name="department-queue"),
    path("queue/<str:department_code>/map.geojson", views.queue_map_points, name="department-queue-points"),
    # Queue codes are the source's names and may hold slashes ("District 04: Allston/Brighton").
    path("queue/<str:department_code>/<path:queue_code>/map.geojson", views.queue_map_points, name="work-queue-points"),
    path("queue/<str:department_code>/<path:queue_code>/", views.queue, name="work-queue"),
    path("requests/<str:public_id>/", views.request_detail, name="request"),
    path("requests/<str:public_id>/<slug:action>/", views.request_action, name="request-action"),
    path("sla/", views.sla, name="sla"),
]
