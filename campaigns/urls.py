from django.urls import path

from campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_page, name="index"),
    path("<int:pk>/", views.campaign_page, name="edit"),
    path("<int:pk>/delete/", views.campaign_delete, name="delete"),
    path("schedules/", views.schedule_page, name="schedules"),
    path("schedules/<int:pk>/", views.schedule_page, name="schedule"),
    path("schedules/<int:pk>/delete/", views.schedule_delete, name="schedule_delete"),
    path("members/", views.members_page, name="members"),
]
