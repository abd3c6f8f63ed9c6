from django.urls import path

from agents.configuration import views

app_name = "agents_config"
urlpatterns = [
    path("agents/", views.users_page, name="index"),
    path("agents/<int:pk>/", views.users_page, name="edit"),
    path("agents/<int:pk>/deactivate/", views.deactivate, name="deactivate"),
    path("agents/<int:pk>/activate/", views.activate, name="activate"),
    path("agents/<int:pk>/password/", views.reset_password, name="password"),
    path("break-types/", views.break_types_page, name="break_types"),
    path("break-types/<int:pk>/", views.break_types_page, name="break_type"),
    path("break-types/<int:pk>/delete/", views.break_type_delete, name="break_type_delete"),
]
