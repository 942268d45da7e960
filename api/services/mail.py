"""Sending e-mail with the standard library: one SMTP connection for a batch of messages.

A message the server refuses (an unknown recipient, say) fails alone; the connection stays usable
for the next one. When the server cannot be reached at all, every message of the batch fails
with that reason at once, rather than each waiting out its own timeout.
"""

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from api.clock import TOKYO, now
from api.settings import Settings

log = logging.getLogger("tsunagu.mail")


class MailNotConfigured(Exception):
    """No SMTP server is configured (TSUNAGU_SMTP_HOST)."""


class MailDeliveryError(Exception):
    """One message was not accepted by the SMTP server."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # stable, for clients: recipient_refused, smtp_unavailable, ...
        self.message = message  # Japanese, for the organiser


class _LoginFailed(Exception):
    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    body: str
    to_name: str | None = None
    reply_to: str | None = None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _address(addr_spec: str, display_name: str | None = None) -> Address:
    return Address(display_name=_one_line(display_name or ""), addr_spec=addr_spec.strip())


def build_message(settings: Settings, mail: OutgoingMail) -> EmailMessage:
    """A UTF-8 plain-text message; the Japanese subject and names are MIME-encoded headers."""
    message = EmailMessage()
    try:
        message["To"] = _address(mail.to, mail.to_name)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise MailDeliveryError(
            "invalid_address", "メールアドレスの形式が正しくありません。"
        ) from exc
    message["From"] = settings.smtp_from
    if mail.reply_to:
        try:
            message["Reply-To"] = _address(mail.reply_to)
        except (ValueError, IndexError, HeaderParseError):
            log.warning("reply-to address left out: not a valid address")
    message["Subject"] = _one_line(mail.subject)
    message["Date"] = format_datetime(now().astimezone(TOKYO))
    domain = settings.smtp_from.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(mail.body, charset="utf-8")
    return message


def _server_reply(code: int, text: bytes | str) -> str:
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {reply}"[:200]


class Mailer:
    """Sends messages over one connection, opened on the first message and reopened once if
    the server drops it."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise MailNotConfigured
        self.settings = settings
        self.host = settings.smtp_host
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: MailDeliveryError | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(self.host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        try:
            smtp.ehlo()
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_username:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                try:
                    smtp.login(s.smtp_username, password)
                except smtplib.SMTPException as exc:
                    # Refused, or cut off after a refused mechanism: either way the login failed.
                    raise _LoginFailed(exc) from exc
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _connection(self) -> smtplib.SMTP:
        if self._unreachable is not None:
            raise self._unreachable
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except _LoginFailed as exc:
                self._unreachable = MailDeliveryError(
                    "smtp_login_failed",
                    "メールサーバーへのログインに失敗しました。システム管理者に連絡してください。",
                )
                log.error("SMTP login to %s failed: %s", self.host, type(exc.cause).__name__)
                raise self._unreachable from exc
            except OSError as exc:  # refused, timed out, TLS failed (SMTPException is an OSError)
                self._unreachable = MailDeliveryError(
                    "smtp_unavailable",
                    "メールサーバーに接続できませんでした。時間をおいて再度お試しください。",
                )
                log.error(
                    "SMTP server %s:%s unreachable: %s",
                    self.host,
                    self.settings.smtp_port,
                    type(exc).__name__,
                )
                raise self._unreachable from exc
        return self._smtp

    def send(self, mail: OutgoingMail) -> None:
        """Send one message; raises MailDeliveryError when it was not accepted."""
        message = build_message(self.settings, mail)
        for attempt in (1, 2):
            smtp = self._connection()
            try:
                smtp.send_message(message)
                return
            except smtplib.SMTPRecipientsRefused as exc:
                replies = [_server_reply(code, text) for code, text in exc.recipients.values()]
                raise MailDeliveryError(
                    "recipient_refused",
                    "メールサーバーが宛先を受け付けませんでした（" + "; ".join(replies) + "）。",
                ) from exc
            except smtplib.SMTPSenderRefused as exc:
                raise MailDeliveryError(
                    "sender_refused",
                    "メールサーバーが送信元を受け付けませんでした（"
                    + _server_reply(exc.smtp_code, exc.smtp_error)
                    + "）。",
                ) from exc
            except smtplib.SMTPDataError as exc:
                raise MailDeliveryError(
                    "message_refused",
                    "メールサーバーがメールを受け付けませんでした（"
                    + _server_reply(exc.smtp_code, exc.smtp_error)
                    + "）。",
                ) from exc
            except smtplib.SMTPServerDisconnected as exc:
                self._drop()
                if attempt == 2:
                    raise MailDeliveryError(
                        "smtp_disconnected",
                        "メールサーバーとの接続が切れました。時間をおいて再度お試しください。",
                    ) from exc
            except smtplib.SMTPException as exc:  # an OSError too: caught before OSError
                raise MailDeliveryError(
                    "smtp_error", f"メールを送信できませんでした（{type(exc).__name__}）。"
                ) from exc
            except OSError as exc:  # the socket failed mid-conversation: reconnect once
                self._drop()
                if attempt == 2:
                    raise MailDeliveryError(
                        "smtp_disconnected",
                        "メールサーバーとの接続が切れました。時間をおいて再度お試しください。",
                    ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
        finally:
            self._drop()


@contextmanager
def mailer(settings: Settings) -> Iterator[Mailer]:
    """A Mailer closed at the end of the block; raises MailNotConfigured without an SMTP host."""
    sender = Mailer(settings)
    try:
        yield sender
    finally:
        sender.close()
