from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = _("Funds and aid")

    def ready(self) -> None:
        from . import notices, receivers  # noqa: F401 - aid notifications' renderers; follow households that move
