from django.urls import path

from accounts.roles import Section
from contactcenter.sections import section_page

app_name = "campaigns"
urlpatterns = [
    path("", section_page(Section.CAMPAIGNS, "campaigns/index.html"), name="index"),
    path("members/", section_page(Section.MEMBERS, "campaigns/members.html"), name="members"),
]
