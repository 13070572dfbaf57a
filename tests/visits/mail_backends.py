"""A mail server that drops the connection a set number of times, then delivers to the locmem outbox.

No SMTP server runs here; this stands in for one that is briefly unreachable.
"""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    failures_left = 0

    def send_messages(self, email_messages) -> int:
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)
