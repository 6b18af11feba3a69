from django.urls import path

from . import form_views, script_views, views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:campaign_id>/", views.campaign_edit, name="edit"),
    path("<int:campaign_id>/agents/", views.campaign_agents, name="agents"),
    path("<int:campaign_id>/script/", views.campaign_script, name="script"),
    path("scripts/", script_views.script_list, name="scripts"),
    path("scripts/new/", script_views.script_create, name="script_create"),
    path("scripts/<int:script_id>/", script_views.script_edit, name="script_edit"),
    path("scripts/<int:script_id>/export/", script_views.script_export, name="script_export"),
    path("scripts/<int:script_id>/delete/", script_views.script_delete, name="script_delete"),
    path("scripts/<int:script_id>/statuses/new/", script_views.status_create, name="status_create"),
    path("statuses/<int:status_id>/", script_views.status_edit, name="status_edit"),
    path("statuses/<int:status_id>/move/", script_views.status_move, name="status_move"),
    path("statuses/<int:status_id>/active/", script_views.status_activate, name="status_activate"),
    path("statuses/<int:status_id>/delete/", script_views.status_delete, name="status_delete"),
    path("forms/<int:form_id>/", form_views.form_edit_page, name="form_edit_page"),
    path("forms/<int:form_id>/editor/", form_views.form_editor, name="form_editor"),
    path("forms/<int:form_id>/editor/<slug:op>/", form_views.form_editor_op, name="form_editor_op"),
    path("forms/<int:form_id>/preview/", form_views.form_preview, name="form_preview"),
    path("forms/<int:form_id>/fields/new/", form_views.field_create, name="field_create"),
    path("forms/<int:form_id>/fields/<int:field_id>/", form_views.field_edit, name="field_edit"),
    path("forms/<int:form_id>/fields/<int:field_id>/delete/", form_views.field_delete, name="field_delete"),
]
