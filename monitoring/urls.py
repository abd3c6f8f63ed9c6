from django.urls import path

from accounts.roles import Section
from contactcenter.sections import section_page
from reports.views import reports_page

app_name = "monitoring"
urlpatterns = [
    path("", section_page(Section.MONITORING, "monitoring/index.html"), name="index"),
    path("reports/", reports_page, name="reports"),
]
