from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "places"
urlpatterns: list[URLPattern | URLResolver] = [
    path("addresses", views.addresses, name="addresses"),
]
