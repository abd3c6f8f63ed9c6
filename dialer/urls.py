from django.urls import path

from accounts.roles import Section
from contactcenter.sections import section_page

app_name = "dialer"
urlpatterns = [
    path("", section_page(Section.DIALERS, "dialer/index.html"), name="index"),
    path("monitor/", section_page(Section.DIALER_MONITOR, "dialer/monitor.html"), name="monitor"),
]
