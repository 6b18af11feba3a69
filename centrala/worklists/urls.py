from django.urls import path, re_path

from . import views

app_name = "worklists"
urlpatterns = [
    path("jobs/<int:job_id>/", views.bulk_job, name="bulk_job"),
    path("<slug:key>/layout/", views.save_layout, name="layout"),
    path("<slug:key>/filters/<slug:filter_key>/", views.filter_options, name="filter_options"),
    path("<slug:key>/variants/", views.save_variant, name="variants"),
    path("<slug:key>/variants/<int:variant_id>/", views.change_variant, name="variant"),
    re_path(r"^(?P<key>[-\w]+)/export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
]
