from django.urls import path

from providers import views

app_name = "providers"
urlpatterns = [
    path("", views.provider_page, name="index"),
    path("<int:pk>/", views.provider_page, name="edit"),
    path("<int:pk>/delete/", views.provider_delete, name="delete"),
    path("<int:pk>/test/", views.provider_test, name="test"),
]
