from django.apps import AppConfig


class DialerConfig(AppConfig):
    name = "dialer"
    verbose_name = "SMS dialer"

    def ready(self) -> None:
        from dialer import replies, signals  # noqa: F401  (connects the receivers)
