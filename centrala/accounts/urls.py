from django.urls import path

from . import manage_views, profile_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("language/", views.set_language, name="language"),
    path("profile/", profile_views.profile, name="profile"),
    path("profile/tokens/", profile_views.token_create, name="token_create"),
    path("profile/tokens/<int:token_id>/revoke/", profile_views.token_revoke, name="token_revoke"),
    path("users/", manage_views.users, name="users"),
    path("users/new/", manage_views.user_create, name="user_create"),
    path("users/<int:user_id>/", manage_views.user_edit, name="user_edit"),
    path("users/<int:user_id>/unlock/", manage_views.user_unlock, name="user_unlock"),
    path("teams/", manage_views.teams, name="teams"),
    path("teams/new/", manage_views.team_create, name="team_create"),
    path("teams/<int:team_id>/", manage_views.team_edit, name="team_edit"),
    path("teams/<int:team_id>/delete/", manage_views.team_delete, name="team_delete"),
]
