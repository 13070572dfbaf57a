"""Settings of the worker and beat processes the resilience tests start: the test settings on a real broker.

Mail goes to files, so the test counts what the workers sent.
"""

import os

from hardship.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
