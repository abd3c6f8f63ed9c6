from django.urls import path

from accounts.roles import Section
from contactcenter.sections import section_page

app_name = "providers"
urlpatterns = [
    path("", section_page(Section.PROVIDERS, "providers/index.html"), name="index"),
]
