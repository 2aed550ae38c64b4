from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "insight"
urlpatterns: list[URLPattern | URLResolver] = [
    path("trends/", views.trends_page, name="trends"),
    path("trends.csv", views.trends_csv, name="trends-csv"),
    path("hotspots/", views.hotspots_page, name="hotspots"),
    path("report/", views.report_page, name="report"),
    path("report.pdf", views.report_pdf, name="report-pdf"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
]
