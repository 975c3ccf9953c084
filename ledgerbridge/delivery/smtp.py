"""E-mail over SMTP: one mail per recipient with their own files attached.

Settings (``[delivery.smtp]``): host, port, security (none | starttls | ssl), ca_file (a
private CA to trust besides the system's), username, password (secrets), sender,
max_message_mb, timeout_seconds, rate_per_minute.

Attachment names are RFC 2231 encoded, so Chinese file names arrive intact. The size
check counts the base64 overhead (4/3, plus line breaks): a mail whose attachments would
pass ``max_message_mb`` goes out without them, saying so and linking each file in the
app, never as an empty mail.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from ledgerbridge.delivery.errors import DeliveryError, NotConfigured, RateLimited
from ledgerbridge.delivery.message import Attachment, Message

#: SMTP reply codes that mean "not now" rather than "never".
TRANSIENT_CODES = {421, 450, 451, 452}
MB = 1024 * 1024


def encoded_size(size: int) -> int:
    """Bytes an attachment of ``size`` takes in a mail: base64 (4/3) in 76-character lines."""
    b64 = 4 * ((size + 2) // 3)
    return b64 + 2 * (b64 // 76 + 1)


def _mb(n: int) -> str:
    return f"{n / MB:,.1f} MB"


class SmtpChannel:
    """Mail to a recipient's address."""

    type = "smtp"

    def __init__(self, name: str, settings: dict[str, Any], load_file: Callable[[str], bytes]):
        self.name = name
        self.host = str(settings.get("host") or "")
        self.port = int(settings.get("port") or 25)
        self.security = str(settings.get("security") or "none")
        self.username = str(settings.get("username") or "")
        self.password = str(settings.get("password") or "")
        self.sender = str(settings.get("sender") or "ledgerbridge@localhost")
        self.ca_file = str(settings.get("ca_file") or "") or None
        self.max_bytes = int(float(settings.get("max_message_mb") or 10) * MB)
        self.timeout = float(settings.get("timeout_seconds") or 30)
        per_minute = int(settings.get("rate_per_minute") or 0)
        self.limits: tuple[tuple[int, float], ...] = ((per_minute, 60.0),) if per_minute else ()
        self.load_file = load_file
        if self.security not in ("none", "starttls", "ssl"):
            raise DeliveryError(
                f"delivery.smtp.security {self.security!r}: use none, starttls or ssl", permanent=True
            )

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def _tls(self) -> ssl.SSLContext:
        """Certificates are always verified (the system's CAs, or ``ca_file``)."""
        return ssl.create_default_context(cafile=self.ca_file)

    def build(self, to: str, message: Message) -> tuple[EmailMessage, str]:
        """(mail, what was done with the attachments)."""
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.sender
        mail["To"] = to
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = make_msgid(domain="ledgerbridge")
        total = sum(encoded_size(a.size) for a in message.attachments)
        body = message.text
        over = total + len(body.encode()) > self.max_bytes
        if over:
            body += "\n\n" + self._links_note(message.attachments, total)
        elif message.link:
            body += f"\n\n{message.link}"
        mail.set_content(body, cte="base64")
        if over:
            return mail, f"attachments left out ({_mb(total)} encoded > {_mb(self.max_bytes)}): links sent"
        for a in message.attachments:
            maintype, _, subtype = a.mime.partition("/")
            mail.add_attachment(
                self.load_file(a.file_id), maintype=maintype, subtype=subtype, filename=a.name
            )
        return mail, f"{len(message.attachments)} attachment(s), {_mb(total)} encoded"

    def _links_note(self, attachments: tuple[Attachment, ...], total: int) -> str:
        size, limit = _mb(total), _mb(self.max_bytes)
        lines = [
            f"附件合计 {size}（编码后），超过邮件上限 {limit}，未随邮件发送。请在系统中下载：",
            f"The attachments ({size} encoded) exceed the {limit} mail limit. Download them:",
        ]
        lines += [f"- {a.name} ({_mb(a.size)}, sha256 {a.sha256[:12]}…): {a.url}" for a in attachments]
        return "\n".join(lines)

    def send(self, target: str | None, message: Message) -> str:
        """Send one mail; returns what was sent. Raises RateLimited / DeliveryError."""
        if not self.configured:
            raise NotConfigured("smtp: no host configured ([delivery.smtp] host)")
        if not target:
            raise DeliveryError("smtp: the recipient has no e-mail address", permanent=True)
        mail, detail = self.build(target, message)
        try:
            if self.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self._tls()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.security == "starttls":
                    client.starttls(context=self._tls())
                if self.username:
                    client.login(self.username, self.password)
                client.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            text = f"smtp {self.host}:{self.port}: {exc.smtp_code} {exc.smtp_error!r}"
            busy = exc.smtp_code == 421 or (
                exc.smtp_code == 450 and b"rate" in (exc.smtp_error or b"").lower()
            )
            if busy:
                raise RateLimited(text, retry_after=60) from None
            raise DeliveryError(text, permanent=exc.smtp_code not in TRANSIENT_CODES) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {c for c, _m in exc.recipients.values()}
            permanent = not codes <= TRANSIENT_CODES
            raise DeliveryError(f"smtp: recipient refused {exc.recipients}", permanent=permanent) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"smtp {self.host}:{self.port}: {exc}") from None
        return detail
