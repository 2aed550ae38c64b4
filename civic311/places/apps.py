from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "civic311.places"
    verbose_name = "Places"
