from django.urls import path

from . import admin_views

urlpatterns = [
    path("mailboxes/", admin_views.mailboxes, name="mailboxes"),
    path("mailboxes/<str:kind>/new/", admin_views.mailbox_create, name="mailbox_create"),
    path("mailboxes/<str:kind>/<int:mailbox_id>/", admin_views.mailbox_edit, name="mailbox_edit"),
    path("mailboxes/<str:kind>/<int:mailbox_id>/test/", admin_views.mailbox_test, name="mailbox_test"),
    path("problems/", admin_views.problems, name="problems"),
    path("problems/<int:inbound_id>/retry/", admin_views.retry, name="retry"),
    path("problems/<int:inbound_id>/raw/", admin_views.raw, name="raw"),
]
