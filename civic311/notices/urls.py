from django.urls import URLPattern, URLResolver, path

from . import feeds, views

app_name = "notices"
urlpatterns: list[URLPattern | URLResolver] = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("stop-updates/<str:token>/", views.stop_updates, name="stop-updates"),
    path("announcements/", views.announcement_list, name="announcements"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement"),
    path("announcements/<int:pk>.ics", views.announcement_ical, name="announcement-ical"),
    path("calendar.ics", views.calendar_ical, name="calendar"),
    path("staff/alert-neighborhoods/", views.follow_alerts, name="follow-alerts"),
    path("feeds/rss/", feeds.AnnouncementsRss(), name="feed-rss"),
    path("feeds/atom/", feeds.AnnouncementsAtom(), name="feed-atom"),
    path("feeds/neighborhood/<int:district>/rss/", feeds.AnnouncementsRss(), name="feed-neighborhood-rss"),
    path("feeds/neighborhood/<int:district>/atom/", feeds.AnnouncementsAtom(), name="feed-neighborhood-atom"),
    path("feeds/topic/<slug:topic>/rss/", feeds.AnnouncementsRss(), name="feed-topic-rss"),
    path("feeds/topic/<slug:topic>/atom/", feeds.AnnouncementsAtom(), name="feed-topic-atom"),
]
