from django.urls import path

from monitoring import api, views
from reports.views import reports_page

app_name = "monitoring"
urlpatterns = [
    path("", views.board_page, name="index"),
    path("board/", api.BoardView.as_view(), name="board"),
    path("audit/", views.audit_page, name="audit"),
    path("agents/<str:pk>/info/", api.InfoView.as_view(), name="info"),
    path("agents/<str:pk>/spy/", api.SpyView.as_view(), name="spy"),
    path("agents/<str:pk>/screen/", api.ScreenView.as_view(), name="screen"),
    path("agents/<str:pk>/pause/", api.PauseView.as_view(), name="pause"),
    path("agents/<str:pk>/log-out/", api.LogOutView.as_view(), name="log_out"),
    path("agents/<str:pk>/chat/", api.ChatView.as_view(), name="chat"),
    path("me/", api.MySupervisionView.as_view(), name="me"),
    path("me/chat/", api.MyChatView.as_view(), name="my_chat"),
    path("me/chat/read/", api.MyChatReadView.as_view(), name="my_chat_read"),
    path("reports/", reports_page, name="reports"),
]
