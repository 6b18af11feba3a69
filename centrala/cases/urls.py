from django.urls import path

from centrala.worklists.views import list_page

from . import bulk_views, views

app_name = "cases"
urlpatterns = [
    path("", list_page, {"key": "cases"}, name="list"),
    path("", list_page, {"key": "cases"}, name="view_cases"),
    path("tickets/", list_page, {"key": "tickets"}, name="view_tickets"),
    path("mine/", list_page, {"key": "mine"}, name="view_mine"),
    path("distribute/", list_page, {"key": "distribute"}, name="view_distribute"),
    path("reminders/", list_page, {"key": "reminders"}, name="view_reminders"),
    path("spam/", list_page, {"key": "spam"}, name="view_spam"),
    path("new/", views.create, name="create"),
    path("bulk/", bulk_views.bulk_action, name="bulk"),
    path("goto/", views.goto, name="goto"),
    path("<int:case_id>/", views.card, name="card"),
    path("<int:case_id>/form/", views.form_tab, name="form_tab"),
    path("<int:case_id>/save/", views.save, name="save"),
    path("<int:case_id>/draft/", views.draft, name="draft"),
    path("<int:case_id>/contact/", views.contact_panel, name="contact_panel"),
    path("<int:case_id>/spam/", views.spam, name="spam"),
]
