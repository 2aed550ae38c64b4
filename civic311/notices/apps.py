from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "civic311.notices"
    verbose_name = "Notices: subscriptions, announcements and the outbox"

    def ready(self) -> None:
        from civic311.cases import signals
        from civic311.cases.models import ServiceRequest

        from . import receivers

        signals.status_changed.connect(receivers.on_status_changed, sender=ServiceRequest,
                                       dispatch_uid="notices.status_changed")
        signals.sla_at_risk.connect(receivers.on_sla_at_risk, sender=ServiceRequest, dispatch_uid="notices.at_risk")
        signals.sla_breached.connect(receivers.on_sla_breached, sender=ServiceRequest,
                                     dispatch_uid="notices.breached")
        signals.sla_escalated.connect(receivers.on_sla_escalated, sender=ServiceRequest,
                                      dispatch_uid="notices.escalated")
        from civic311.insight import signals as insight_signals

        insight_signals.alert_raised.connect(receivers.on_alert_raised, dispatch_uid="notices.alert_raised")
        from civic311.insight import alerts as insight_alerts

        from . import alert_followers

        insight_alerts.register_reader(alert_followers.alerts_followed_by)  # followers read their alerts
        from civic311.contacts import history

        from . import desk_history

        history.register(desk_history.subscriptions_of)  # the caller's subscriptions on the desk
