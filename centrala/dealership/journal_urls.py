"""The traffic journal, client history and traffic reports (included by dealership/urls.py)."""

from django.urls import path, re_path

from centrala.worklists.views import list_page

from . import journal_views, report_views

urlpatterns = [
    path("journal/", list_page, {"key": "traffic"}, name="journal"),
    path("clients/<int:contact_id>/history/", journal_views.client, name="client_history_page"),
    path("clients/<int:contact_id>/history/fragment/", journal_views.history, name="client_history"),
    path("reports/", report_views.reports, name="reports"),
    re_path(r"^reports/(?P<key>[a-z_]+)\.csv$", report_views.report_csv, name="report_csv"),
]
