from django.urls import include, path

app_name = "mail"
urlpatterns = [
    # Administration of mailboxes, the quarantine and retries (intake side).
    path("", include("centrala.mail.admin_urls")),
    # Replying from a case, signatures and reply templates (sending side).
    path("", include("centrala.mail.reply_urls")),
]
