from django.urls import path

from centrala.worklists.views import list_page

from . import admin_views, bulk_views, import_views, views

app_name = "contacts"
urlpatterns = [
    path("", list_page, {"key": "contacts"}, name="list"),
    path("bulk/create-cases/", bulk_views.create_cases, name="bulk_create_cases"),
    path("import/", import_views.imports, name="imports"),
    path("import/<int:import_id>/", import_views.detail, name="import_detail"),
    path("import/<int:import_id>/mapping/", import_views.mapping, name="import_mapping"),
    path("import/<int:import_id>/preview/", import_views.preview, name="import_preview"),
    path("import/<int:import_id>/start/", import_views.start, name="import_start"),
    path("import/<int:import_id>/errors.csv", import_views.errors_csv, name="import_errors"),
    path("new/", views.create, name="create"),
    path("suggest/", views.suggest, name="suggest"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("<int:contact_id>/", views.card, name="card"),
    path("<int:contact_id>/edit/", views.edit, name="edit"),
    path("<int:contact_id>/consents/", views.consent, name="consent"),
    path("fields/", admin_views.fields, name="fields"),
    path("fields/new/", admin_views.field_create, name="field_create"),
    path("fields/<int:field_id>/", admin_views.field_edit, name="field_edit"),
    path("fields/<int:field_id>/move/", admin_views.field_move, name="field_move"),
    path("consent-types/", admin_views.consent_types, name="consent_types"),
    path("consent-types/new/", admin_views.consent_type_create, name="consent_type_create"),
    path("consent-types/<int:consent_type_id>/", admin_views.consent_type_edit, name="consent_type_edit"),
    path("consent-types/<int:consent_type_id>/move/", admin_views.consent_type_move, name="consent_type_move"),
]
