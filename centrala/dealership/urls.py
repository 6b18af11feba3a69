from django.urls import include, path  # noqa: F401

from . import config_views, views

app_name = "dealership"
urlpatterns = [
    # the reception desk (DLR-02/03)
    path("reception/", views.desk, name="desk"),
    path("reception/queue/", views.desk_queue, name="desk_queue"),
    path("reception/employees/", views.desk_employees, name="desk_employees"),
    path("reception/register/", views.desk_register, name="register"),
    # the client directory (contacts with their cars), used at the desk
    path("clients/search/", views.client_search, name="client_search"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:contact_id>/", views.client_pick, name="client_pick"),
    path("clients/<int:contact_id>/vehicles/", views.vehicle_add, name="vehicle_add"),
    # traffic: the specialist's list and the card (DLR-03..05)
    path("traffic/mine/", views.my_traffic, name="my_traffic"),
    path("traffic/<int:traffic_id>/", views.traffic_card, name="traffic"),
    path("traffic/<int:traffic_id>/take/", views.traffic_take, name="take"),
    path("traffic/<int:traffic_id>/document/", views.traffic_create_document, name="create_document"),
    path("traffic/<int:traffic_id>/attach/", views.traffic_attach, name="attach"),
    path("traffic/<int:traffic_id>/documents/", views.traffic_documents, name="traffic_documents"),
    path("traffic/<int:traffic_id>/ignore/", views.traffic_ignore, name="ignore"),
    path("traffic/<int:traffic_id>/case/", views.traffic_case, name="case"),
    # documents
    path("documents/", views.document_list, name="documents"),
    path("documents/<int:document_id>/", views.document_page, name="document"),
    path("documents/<int:document_id>/reschedule/", views.document_reschedule, name="reschedule"),
    path("documents/<int:document_id>/lines/", views.document_add_line, name="add_line"),
    path("documents/<int:document_id>/status/", views.document_status, name="document_status"),
    # configuration (DLR-01)
    path("goals/", config_views.goals, name="goals"),
    path("goals/new/", config_views.goal_create, name="goal_create"),
    path("goals/<int:goal_id>/", config_views.goal_edit, name="goal_edit"),
    path("departments/new/", config_views.department_create, name="department_create"),
    path("departments/<int:department_id>/", config_views.department_edit, name="department_edit"),
    path("ignore-reasons/", config_views.reasons, name="reasons"),
    path("ignore-reasons/new/", config_views.reason_create, name="reason_create"),
    path("ignore-reasons/<int:reason_id>/", config_views.reason_edit, name="reason_edit"),
    # the traffic journal, client history and reports (journal_urls.py)
    path("", include("centrala.dealership.journal_urls")),
]
