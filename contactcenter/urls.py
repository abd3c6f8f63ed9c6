from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from rest_framework.routers import SimpleRouter

from accounts import views as account_views
from accounts.api import SecurityGroupViewSet
from agents.configuration.api import UserViewSet
from campaigns.api import CampaignViewSet, ScheduleViewSet
from contactcenter import views
from contactcenter.apidocs import DocsView, SchemaView
from conversations.api import AgentStateView, BreakTypeViewSet, InteractionViewSet, MessageViewSet
from conversations.webhooks import provider_webhook
from dialer.api import DialerViewSet, DncrViewSet, SpoolViewSet
from dialer.sendsms import LegacySendSMS, SendSMS
from providers.api import ProviderViewSet
from recordings import api as recordings_api
from reports.api import DialerReportView, InteractionsReportView


class OptionalSlashRouter(SimpleRouter):
    """API paths work with and without the trailing slash (``/providers/1/test`` as specified)."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


router = OptionalSlashRouter()
router.register("providers", ProviderViewSet, basename="provider")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("schedules", ScheduleViewSet, basename="schedule")
router.register("dialers", DialerViewSet, basename="dialer")
router.register("spool", SpoolViewSet, basename="spool")
router.register("dncr", DncrViewSet, basename="dncr")
router.register("security-groups", SecurityGroupViewSet, basename="security-group")
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("messages", MessageViewSet, basename="message")
router.register("break-types", BreakTypeViewSet, basename="break-type")
router.register("users", UserViewSet, basename="user")

api_v1 = [
    re_path(r"^me/?$", account_views.me, name="api_me"),  # with or without the slash
    re_path(r"^agents/me/state/?$", AgentStateView.as_view(), name="api_agent_state"),
    re_path(r"^recordings/?$", recordings_api.RecordingList.as_view(), name="api_recordings"),
    re_path(
        r"^recordings/(?P<pk>[^/]+)/transcript/?$",
        recordings_api.TranscriptView.as_view(),
        name="api_recording_transcript",
    ),
    re_path(r"^exports/?$", recordings_api.ExportList.as_view(), name="api_exports"),
    re_path(r"^exports/(?P<pk>[^/]+)/?$", recordings_api.ExportDetail.as_view(), name="api_export"),
    re_path(
        r"^exports/(?P<pk>[^/]+)/retry/?$",
        recordings_api.ExportRetry.as_view(),
        name="api_export_retry",
    ),
    re_path(
        r"^exports/(?P<pk>[^/]+)/download/?$",
        recordings_api.ExportDownload.as_view(),
        name="api_export_download",
    ),
    re_path(
        r"^reports/interactions/?$",
        InteractionsReportView.as_view(),
        name="api_report_interactions",
    ),
    re_path(r"^reports/dialer/?$", DialerReportView.as_view(), name="api_report_dialer"),
    *router.urls,
    re_path(r"^(?P<path>.*)$", views.api_not_found),  # JSON 404, not the HTML page
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("account/tokens/", account_views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", account_views.revoke_token, name="revoke_token"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),  # for static/js
    # Before providers' pages: the addresses providers were given stay the same.
    path(
        "providers/webhooks/<str:token>/<str:kind>",
        provider_webhook,
        name="provider_webhook",
    ),
    path("providers/", include("providers.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("dialers/", include("dialer.urls")),
    path("inbox/", include("agents.urls")),
    path("configuration/", include("agents.configuration.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("recordings/", include("recordings.urls")),
    path("simulator/", include("simulator.urls")),
    path("api/v1/", include(api_v1)),
    path("Integra/resources/SMS/SendSMS", SendSMS.as_view(), name="sendsms"),
    re_path(
        r"^Integra/resources/SMS/SendSMS/(?P<legacy>.+)$",
        LegacySendSMS.as_view(),
        name="sendsms_legacy",
    ),
    path("api/schema/", SchemaView.as_view(), name="api_schema"),
    path("api/docs/", DocsView.as_view(url_name="api_schema"), name="api_docs"),
    path("django-admin/", admin.site.urls),
]

if settings.BENCH_ENDPOINTS:  # the benchmarks' baseline view (see settings.BENCH_ENDPOINTS)
    urlpatterns.append(path("bench/ok", views.bench_ok))

# Errors in the portal's layout (menu, a way back); Django uses these when DEBUG is off.
handler403 = views.permission_denied
handler404 = views.page_not_found
