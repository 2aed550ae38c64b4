from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "notices"
urlpatterns: list[URLPattern | URLResolver] = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
