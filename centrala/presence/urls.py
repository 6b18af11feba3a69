from django.urls import path

from . import status_views, views

app_name = "presence"
urlpatterns = [
    path("set/", views.set_status, name="set"),
    path("team/", views.team, name="team"),
    path("report/", views.report, name="report"),
    path("report.csv", views.report_csv, name="report_csv"),
    path("statuses/", status_views.statuses, name="statuses"),
    path("statuses/new/", status_views.status_create, name="status_create"),
    path("statuses/<int:status_id>/", status_views.status_edit, name="status_edit"),
    path("statuses/<int:status_id>/delete/", status_views.status_delete, name="status_delete"),
    path("statuses/<int:status_id>/move/", status_views.status_move, name="status_move"),
    path("statuses/<int:status_id>/active/", status_views.status_activate, name="status_activate"),
]
