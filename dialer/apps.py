from django.apps import AppConfig


class DialerConfig(AppConfig):
    name = "dialer"
    verbose_name = "SMS dialer"
