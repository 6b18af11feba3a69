from django.contrib import admin
from django.urls import include, path

from centrala.api.api import api
from centrala.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("accounts/", include("centrala.accounts.urls")),
    path("presence/", include("centrala.presence.urls")),
    path("notifications/", include("centrala.notifications.urls")),
    path("audit/", include("centrala.audit.urls")),
    path("cases/", include("centrala.cases.urls")),
    path("contacts/", include("centrala.contacts.urls")),
    path("campaigns/", include("centrala.campaigns.urls")),
    path("activities/", include("centrala.activities.urls")),
    path("lists/", include("centrala.worklists.urls")),
    path("mail/", include("centrala.mail.urls")),
    path("forms/", include("centrala.webforms.urls")),
    path("dealership/", include("centrala.dealership.urls")),
    path("", include("centrala.core.urls")),
]
