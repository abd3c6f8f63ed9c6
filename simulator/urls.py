from django.urls import path

from simulator import views

app_name = "simulator"

urlpatterns = [
    path("", views.simulator_page, name="index"),
    path("conversation", views.conversation_json, name="conversation"),
    path("messages", views.send_json, name="send"),
]
