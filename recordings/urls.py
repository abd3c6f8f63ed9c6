from django.urls import path

from recordings import views

app_name = "recordings"
urlpatterns = [
    path("", views.index, name="index"),
]
