from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "simulator"
    verbose_name = "Customer simulator"

    def ready(self) -> None:
        from simulator import signals  # noqa: F401  (receivers)
