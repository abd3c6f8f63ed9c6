from django.urls import path

from accounts.roles import Section
from contactcenter.sections import section_page

app_name = "agents"
urlpatterns = [
    path("", section_page(Section.INBOX, "agents/inbox.html"), name="inbox"),
]
