"""Knowledge-base pages: the public FAQ (by topic, article, search), the embeddable widget,
the staff article view and the emergency-mode switch. Thin: parse, call a selector or a
service, render."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from civic311.staff.access import is_staff_member, profile_of

from . import selectors, services
from .models import EmergencyCampaign, UsageCount
from .search import MAX_QUERY_CHARS, ArticleHit, search_articles

RESULTS = 10


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search the answers"), max_length=MAX_QUERY_CHARS, required=False,
                        strip=True)


class CampaignForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason (kept in the audit trail)"), max_length=300,
                             required=False, strip=True)


def current_language() -> str:
    language = (translation.get_language() or "en").split("-")[0]
    return language if language in ("en", "es") else "en"


def _search(request: HttpRequest, channel: str) -> tuple[SearchForm, list[ArticleHit], bool]:
    """The search form bound to the query string, its hits, and whether a search ran."""
    form = SearchForm(request.GET or None)
    if not request.GET.get("q", "").strip():
        return SearchForm(), [], False
    if not form.is_valid():
        return form, [], False
    hits = search_articles(form.cleaned_data["q"], language=current_language(), limit=RESULTS)
    services.record_usage(channel=channel, event=UsageCount.Event.SEARCH)
    return form, hits, True


@require_GET
def faq_index(request: HttpRequest) -> HttpResponse:
    language = current_language()
    campaign = selectors.active_campaign()
    return render(request, "knowledge/faq_index.html", {
        "sections": selectors.faq_by_topic(language),
        "pinned": selectors.pinned_articles(campaign, language),
        "form": SearchForm(),
    })


@require_GET
def faq_search(request: HttpRequest) -> HttpResponse:
    form, hits, searched = _search(request, UsageCount.Channel.PAGES)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "knowledge/faq_search.html", {"form": form, "hits": hits, "searched": searched},
                  status=status)


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.article_for(slug, staff=False)
    if found is None:
        raise Http404(_("No such article."))
    services.record_usage(channel=UsageCount.Channel.PAGES, event=UsageCount.Event.ARTICLE, article=found)
    return render(request, "knowledge/article.html", {
        "article": found, "translations": selectors.translations_of(found, staff=False),
    })


def staff_article(request: HttpRequest, slug: str) -> HttpResponse:
    """An article as staff see it: staff-only articles too, with owner and review date."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_staff_member(request.user):
        raise PermissionDenied
    found = selectors.article_for(slug, staff=True)
    if found is None:
        raise Http404(_("No such article."))
    return render(request, "knowledge/staff_article.html", {
        "article": found, "translations": selectors.translations_of(found, staff=True),
        "staff_role": profile_of(request.user),
    })


# --- The embeddable widget ---------------------------------------------------------------

def _widget_language(request: HttpRequest) -> str:
    language = request.GET.get("lang", "")
    return language if language in ("en", "es") else current_language()


@require_GET
@xframe_options_exempt
def widget(request: HttpRequest) -> HttpResponse:
    """The FAQ in a frame a city website includes: a search box and the pinned or top
    answers; works with no script on the host page."""
    with translation.override(_widget_language(request)):
        language = current_language()
        form, hits, searched = _search(request, UsageCount.Channel.WIDGET)
        if not searched:
            services.record_usage(channel=UsageCount.Channel.WIDGET, event=UsageCount.Event.VIEW)
        campaign = selectors.active_campaign()
        pinned = selectors.pinned_articles(campaign, language)
        sections = [] if searched else selectors.faq_by_topic(language)
        response = render(request, "knowledge/widget.html", {
            "form": form, "hits": hits, "searched": searched, "pinned": pinned, "sections": sections,
            "language": language, "campaign": campaign,
        }, status=400 if form.is_bound and form.errors else 200)
    return _frameable(response)


@require_GET
@xframe_options_exempt
def widget_article(request: HttpRequest, slug: str) -> HttpResponse:
    with translation.override(_widget_language(request)):
        found = selectors.article_for(slug, staff=False)
        if found is None:
            raise Http404(_("No such article."))
        services.record_usage(channel=UsageCount.Channel.WIDGET, event=UsageCount.Event.ARTICLE, article=found)
        response = render(request, "knowledge/widget_article.html", {"article": found,
                                                                     "language": current_language()})
    return _frameable(response)


def _frameable(response: HttpResponse) -> HttpResponse:
    """Let the sites the city allows frame this page (the widget only)."""
    ancestors = " ".join(getattr(settings, "KNOWLEDGE_WIDGET_FRAME_ANCESTORS", ["*"])) or "'none'"
    response["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
    return response


# --- Emergency mode ------------------------------------------------------------------------

def emergency(request: HttpRequest) -> HttpResponse:
    """The campaigns, and a button to switch each on or off (supervisors, administrators)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.can_run_campaigns(request.user):
        return render(request, "knowledge/forbidden.html", {"staff_role": profile_of(request.user)}, status=403)
    campaigns = list(EmergencyCampaign.objects.order_by("-active", "name"))
    active = next((campaign for campaign in campaigns if campaign.active and campaign.activated_at), None)
    usage = None
    if active is not None and active.activated_at is not None:
        counted = selectors.usage_since(timezone.localdate(active.activated_at))
        usage = {
            "since": active.activated_at,
            "widget_views": counted.get((UsageCount.Channel.WIDGET, UsageCount.Event.VIEW), 0),
            "page_views": counted.get((UsageCount.Channel.PAGES, UsageCount.Event.ARTICLE), 0)
            + counted.get((UsageCount.Channel.WIDGET, UsageCount.Event.ARTICLE), 0),
            "searches": counted.get((UsageCount.Channel.PAGES, UsageCount.Event.SEARCH), 0)
            + counted.get((UsageCount.Channel.WIDGET, UsageCount.Event.SEARCH), 0),
        }
    return render(request, "knowledge/emergency.html", {
        "campaigns": campaigns, "form": CampaignForm(), "staff_role": profile_of(request.user), "usage": usage,
    })


@require_POST
def switch_campaign(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.can_run_campaigns(request.user):
        return render(request, "knowledge/forbidden.html", {"staff_role": profile_of(request.user)}, status=403)
    campaign = get_object_or_404(EmergencyCampaign, pk=pk)
    form = CampaignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reason is too long (300 characters at most)."))
        return redirect("knowledge:emergency")
    reason = form.cleaned_data["reason"]
    if action == "activate":
        services.activate_campaign(campaign=campaign, actor=request.user, reason=reason)
        messages.success(request, _("Emergency mode is on: %(name)s.") % {"name": campaign.name})
    else:
        services.deactivate_campaign(campaign=campaign, actor=request.user, reason=reason)
        messages.success(request, _("Emergency mode is off: %(name)s.") % {"name": campaign.name})
    return redirect("knowledge:emergency")


