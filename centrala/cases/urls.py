from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.create, name="create"),
    path("goto/", views.goto, name="goto"),
    path("<int:case_id>/", views.card, name="card"),
    path("<int:case_id>/form/", views.form_tab, name="form_tab"),
    path("<int:case_id>/save/", views.save, name="save"),
    path("<int:case_id>/draft/", views.draft, name="draft"),
    path("<int:case_id>/contact/", views.contact_panel, name="contact_panel"),
    path("<int:case_id>/spam/", views.spam, name="spam"),
]
