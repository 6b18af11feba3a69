from django.urls import path

from centrala.worklists.views import list_page

from . import views

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("calls/", list_page, {"key": "calls"}, name="view_calls"),
    path("mail/", list_page, {"key": "mail"}, name="view_mail"),
    path("sms/", list_page, {"key": "sms"}, name="view_sms"),
    path("case/<int:case_id>/", views.case_timeline, name="case_timeline"),
    path("case/<int:case_id>/notes/", views.add_note, name="add_note"),
    path("case/<int:case_id>/files/", views.upload, name="upload"),
    path("contact/<int:contact_id>/", views.contact_timeline, name="contact_timeline"),
    path("<int:activity_id>/", views.item, name="item"),
    path("<int:activity_id>/edit/", views.edit_note, name="edit_note"),
    path("<int:activity_id>/annotate/", views.annotate, name="annotate"),
    path("<int:activity_id>/move/", views.move, name="move"),
    path("files/<int:attachment_id>/", views.download, name="download"),
]
