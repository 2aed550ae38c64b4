"""Public pages of notices: subscribe, confirm, preferences, one-click unsubscribe. Thin:
forms parse, `subscriptions` does the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from civic311.staff.views import page, staff_required

from . import alert_followers, announcements, subscriptions
from .forms import FollowForm, FollowNeighborhoodsForm, SubscribeForm, neighborhoods
from .models import Topic
from .subscriptions import BadLink, Choice, SubscriptionRefused


def _language() -> str:
    return (get_language() or "en")[:2]


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None, initial={"language": _language(), "channel": "email"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subscriptions.subscribe(
                channel=data["channel"], address=form.address(), language=data["language"],
                choice=Choice(districts=list(data["neighborhoods"]), topics=list(data["topics"]),
                              request=data["request_id"]),
            )
        except SubscriptionRefused as error:
            form.add_error(None, str(error))
        else:
            return render(request, "notices/subscribe_sent.html", {"channel": data["channel"]})
    status = 400 if request.method == "POST" else 200
    return render(request, "notices/subscribe.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that open links must not confirm); POST confirms."""
    if request.method == "GET":
        return render(request, "notices/confirm.html", {"token": token})
    try:
        subscriber = subscriptions.confirm(token)
    except BadLink as error:
        return render(request, "notices/bad_link.html", {"error": str(error)}, status=400)
    return render(request, "notices/confirmed.html",
                  {"manage_token": subscriptions.manage_token(subscriber)})


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = subscriptions.subscriber_for_manage_token(token)
    except BadLink as error:
        return render(request, "notices/bad_link.html", {"error": str(error)}, status=400)
    followed = subscriber.subscriptions.select_related("district", "topic", "request")
    initial = {
        "language": subscriber.language,
        "neighborhoods": [s.district_id for s in followed if s.district_id],
        "topics": [s.topic_id for s in followed if s.topic_id],
    }
    form = FollowForm(request.POST or None, initial=initial)
    saved = False
    if request.method == "POST" and form.is_valid():
        subscriptions.set_preferences(subscriber, language=form.cleaned_data["language"],
                                      districts=form.cleaned_data["neighborhoods"],
                                      topics=form.cleaned_data["topics"])
        saved = True
        followed = subscriber.subscriptions.select_related("district", "topic", "request")
    requests = [s.request for s in followed if s.request_id]
    status = 400 if request.method == "POST" and not saved else 200
    return render(request, "notices/preferences.html", {
        "form": form, "saved": saved, "token": token, "followed_requests": requests,
        "unsubscribed": subscriber.unsubscribed_at is not None,
    }, status=status)


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without cookies
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST (the button, or a mail client's one-click) unsubscribes."""
    try:
        subscriber = subscriptions.subscriber_for_manage_token(token)
    except BadLink as error:
        return render(request, "notices/bad_link.html", {"error": str(error)}, status=400)
    if request.method == "GET":
        return render(request, "notices/unsubscribe.html", {"token": token, "done": False})
    subscriptions.unsubscribe(subscriber)
    return render(request, "notices/unsubscribe.html", {"token": token, "done": True})


@csrf_exempt  # RFC 8058 one-click from mail clients, as for subscribers
@require_http_methods(["GET", "POST"])
def stop_updates(request: HttpRequest, token: str) -> HttpResponse:
    """A requester stops the updates about their requests: GET shows a button, POST stops."""
    if request.method == "GET":
        return render(request, "notices/stop_updates.html", {"token": token, "done": False})
    try:
        subscriptions.stop_requester_updates(token)
    except BadLink as error:
        return render(request, "notices/bad_link.html", {"error": str(error)}, status=400)
    return render(request, "notices/stop_updates.html", {"token": token, "done": True})


def announcement_list(request: HttpRequest) -> HttpResponse:
    """Published announcements, optionally for one neighborhood or topic (?neighborhood=
    id, ?topic=code); an unknown filter is a clear 400, not an empty page."""
    district = topic = None
    error = ""
    raw_district, raw_topic = request.GET.get("neighborhood", ""), request.GET.get("topic", "")
    if raw_district:
        district = neighborhoods().filter(pk=int(raw_district)).first() if raw_district.isdigit() else None
        if district is None:
            error = _("There is no such neighborhood.")
    if raw_topic:
        topic = Topic.objects.filter(code=raw_topic[:60], active=True).first()
        if topic is None:
            error = _("There is no such topic.")
    shown = [] if error else list(announcements.published(district=district, topic=topic)[:100])
    return render(request, "notices/announcements.html", {
        "announcements": shown, "district": district, "topic": topic, "error": error,
        "neighborhoods": neighborhoods(), "topics": Topic.objects.filter(active=True), "language": _language(),
    }, status=400 if error else 200)


def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(announcements.published().prefetch_related(None), pk=pk)
    return render(request, "notices/announcement.html", {
        "item": item, "title": item.title_in(_language()), "body": item.body_in(_language()),
        "neighborhood_names": [d.name for d in item.districts.all()],
        "topic_label": item.topic.label(_language()) if item.topic else "",
    })


def announcement_ical(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(announcements.published(), pk=pk, event_starts_at__isnull=False)
    return _ical(announcements.to_ical([item], language=_language()), f"announcement-{pk}.ics")


def calendar_ical(request: HttpRequest) -> HttpResponse:
    """Every published announcement with a date or a recurring schedule."""
    shown = announcements.published().filter(event_starts_at__isnull=False)
    return _ical(announcements.to_ical(shown, language=_language()), "city-calendar.ics")


def _ical(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@staff_required
def follow_alerts(request: HttpRequest) -> HttpResponse:
    """Staff: choose the neighborhoods whose early-warning alerts come to you by e-mail."""
    user = request.user
    assert isinstance(user, User)
    if request.method == "POST":
        form = FollowNeighborhoodsForm(request.POST)
        if form.is_valid():
            try:
                alert_followers.set_followed(user=user, district_ids=[d.pk for d in form.cleaned_data["districts"]])
            except alert_followers.FollowRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("Saved: alerts in these neighborhoods will reach %(address)s.")
                                 % {"address": user.email or "—"})
                return redirect("notices:follow-alerts")
        return page(request, "notices/follow_alerts.html", {"form": form}, status=400)
    form = FollowNeighborhoodsForm(initial={"districts": alert_followers.followed_districts(user)})
    return page(request, "notices/follow_alerts.html", {"form": form})
