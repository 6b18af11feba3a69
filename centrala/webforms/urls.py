from django.urls import path

from . import public_views, views

app_name = "webforms"
urlpatterns = [
    # Administration (manage_webforms).
    path("", views.form_list, name="list"),
    path("new/", views.form_create, name="create"),
    path("<int:form_id>/", views.form_edit, name="edit"),
    path("<int:form_id>/active/", views.form_active, name="active"),
    path("<int:form_id>/preview/", views.form_preview, name="preview"),
    # Public, called from customers' websites.
    path("f/<str:key>/", public_views.submit, name="submit"),
    path("f/<str:key>/embed.js", public_views.embed_script, name="embed"),
]
