from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Hardship files")

    def ready(self) -> None:
        from . import (
            relief,  # noqa: F401 - the relief rules' cache receiver and the notification renderer
            review,  # noqa: F401 - the closure proposal's notification renderer
        )
        from .transfer import notices  # noqa: F401 - register the transfer notifications' texts
