from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "civic311.portal"
    verbose_name = "Residents' portal"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from civic311.cases.models import ServiceRequest

        from .address_history import learn_new_request

        # New requests from any channel (portal, desk, Open311) teach the address index.
        post_save.connect(learn_new_request, sender=ServiceRequest, dispatch_uid="portal.learn_new_request")
