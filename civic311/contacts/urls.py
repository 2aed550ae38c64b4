"""The agent desk, under /desk/."""

from django.urls import path

from . import views

app_name = "contacts"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("metrics/", views.metrics, name="metrics"),
    path("contacts/<int:pk>/", views.contact_page, name="contact"),
    path("contacts/<int:pk>/save/", views.save, name="save"),
    path("contacts/<int:pk>/callers/", views.find_caller, name="find-caller"),
    path("contacts/<int:pk>/caller/", views.save_caller, name="save-caller"),
    path("contacts/<int:pk>/caller/<int:constituent_id>/", views.use_caller, name="use-caller"),
    path("contacts/<int:pk>/articles/", views.find_articles, name="find-articles"),
    path("contacts/<int:pk>/information/", views.information_given, name="information-given"),
    path("contacts/<int:pk>/services/", views.find_services, name="find-services"),
    path("contacts/<int:pk>/questions/", views.questions, name="questions"),
    path("contacts/<int:pk>/addresses/", views.find_addresses, name="find-addresses"),
    path("contacts/<int:pk>/request/", views.take_request, name="take-request"),
    path("contacts/<int:pk>/close/", views.close, name="close"),
    path("contacts/<int:pk>/emergency/", views.emergency, name="emergency"),
]
