from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = _("Funds and aid")

    def ready(self) -> None:
        from . import notices, quality, receivers  # noqa: F401 - notifications' renderers; the never-aided check; follow moves
