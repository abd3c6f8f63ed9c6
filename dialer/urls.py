from django.urls import path

from dialer import views

app_name = "dialer"
urlpatterns = [
    path("", views.dialer_page, name="index"),
    path("<int:pk>/", views.dialer_page, name="edit"),
    path("<int:pk>/<str:action>/", views.dialer_switch, name="switch"),
    path("monitor/", views.monitor_page, name="monitor"),
    path("dncr/", views.dncr_page, name="dncr"),
    path("monitor/<int:campaign_id>/status.json", views.monitor_status_json, name="status"),
    path(
        "monitor/<int:campaign_id>/delete-unprocessed/",
        views.delete_unprocessed,
        name="delete_unprocessed",
    ),
]
