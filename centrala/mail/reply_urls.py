from django.urls import path

from . import reply_views

# Included by centrala/mail/urls.py (app_name "mail"): writing e-mail from cases, signatures and
# reply templates.
urlpatterns = [
    path("case/<int:case_id>/write/", reply_views.compose, name="compose"),
    path("sent/<int:outbound_id>/resend/", reply_views.resend, name="resend"),
    path("signature/", reply_views.signature, name="signature"),
    path("templates/", reply_views.template_list, name="templates"),
    path("templates/new/", reply_views.template_create, name="template_create"),
    path("templates/<int:template_id>/", reply_views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/delete/", reply_views.template_delete, name="template_delete"),
]
