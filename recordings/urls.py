from django.urls import path

from accounts.roles import Section
from contactcenter.sections import section_page

app_name = "recordings"
urlpatterns = [
    path("", section_page(Section.RECORDINGS, "recordings/index.html"), name="index"),
]
