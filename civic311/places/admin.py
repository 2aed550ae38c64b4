from django.contrib import admin

from .models import District, DistrictLayer, Jurisdiction


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("name", "jurisdiction_id", "time_zone", "default_locale")


@admin.register(DistrictLayer)
class DistrictLayerAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_neighborhoods")


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "layer", "code", "population")
    list_filter = ("layer",)
    search_fields = ("name", "code")
    exclude = ("geometry",)
    readonly_fields = ("centroid_lat", "centroid_long")
