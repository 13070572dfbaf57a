"""System checks for settings a deployment can get dangerously wrong."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register


def _static_roots() -> list[Path]:
    dirs = [entry[1] if isinstance(entry, tuple | list) else entry for entry in settings.STATICFILES_DIRS]
    return [Path(root).resolve() for root in [settings.STATIC_ROOT, *dirs] if root]


def _overlap(a: Path, b: Path) -> bool:
    return a == b or a in b.parents or b in a.parents


@register(Tags.security)
def check_media_outside_static(app_configs, **kwargs) -> list[Error]:
    """Uploaded files must never be reachable as static files (WhiteNoise serves those to anyone)."""
    media = Path(settings.MEDIA_ROOT).resolve()
    errors = [
        Error(
            f"MEDIA_ROOT ({media}) overlaps the static files at {root}.",
            hint="Keep uploads in a folder of their own, outside STATIC_ROOT and STATICFILES_DIRS.",
            id="hardship.E001",
        )
        for root in _static_roots()
        if _overlap(media, root)
    ]
    if settings.MEDIA_URL.startswith(settings.STATIC_URL):
        errors.append(Error("MEDIA_URL lies under STATIC_URL.", id="hardship.E002"))
    return errors
