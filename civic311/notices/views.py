"""Public pages of notices: subscribe, confirm, preferences, one-click unsubscribe. Thin:
forms parse, `subscriptions` does the work."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import subscriptions
from .forms import FollowForm, SubscribeForm
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
