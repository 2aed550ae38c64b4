from django.contrib import admin
from django.http import HttpRequest

from .models import Address, District, DistrictLayer, Jurisdiction


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


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    """The address index, learnt from the request history: browse and search it. It is
    rebuilt by `manage.py build_address_index`, so it is read-only here."""

    list_display = ("label", "neighborhood", "sightings", "lat", "long")
    list_select_related = ("neighborhood",)
    search_fields = ("key",)
    readonly_fields = ("label", "key", "street_key", "lat", "long", "neighborhood", "sightings")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Address | None = None) -> bool:
        return False
