from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from .sessions import session_start, sessions_end


@receiver(user_logged_in)
def _session_started(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        session_start(request, user)


@receiver(post_save, sender=get_user_model())
def _deactivated_user_is_signed_out_everywhere(sender, instance, **kwargs) -> None:
    if not instance.is_active:
        sessions_end(user=instance)
