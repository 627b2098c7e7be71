"""Outgoing mail.

Two backends: `log` (development and tests) writes each message to the `portal.mail` logger and
keeps the most recent ones in memory, where the tests read the links; `smtp` (chosen by setting
`SMTP_URL`) delivers through a mail server: `smtp://user:password@host:587` upgrades to TLS with
STARTTLS, `smtps://...:465` speaks TLS from the start. With SMTP the log records only who was
mailed and the subject: the bodies carry one-time links.

A message that cannot be delivered is logged, never raised: the answer a visitor gets (a sign-up,
a password reset) must not depend on the mail server, or on whether an address has an account.
"""

import logging
import smtplib
import ssl
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

logger = logging.getLogger("portal.mail")

KEEP = 50  # messages remembered for tests and the development console
SMTP_TIMEOUT = 10  # seconds


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None
    sender: str


outbox: deque[Message] = deque(maxlen=KEEP)
_server: SmtpServer | None = None


def smtp_server(url: str, sender: str) -> SmtpServer:
    """Read SMTP_URL; a malformed one raises ValueError with the reason."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:password@host:587 or smtps://...")
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if parts.scheme == "smtps" else 587),
        implicit_tls=parts.scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=sender,
    )


def configure(server: SmtpServer | None) -> None:
    """Deliver through `server`, or (None) to the log only."""
    global _server
    _server = server


def send(to: str, subject: str, body: str) -> Message:
    """Deliver one plain-text message."""
    message = Message(to=to, subject=subject, body=body)
    if _server is None:
        outbox.append(message)
        logger.info("Mail to %s: %s\n%s", to, subject, body)
        return message
    try:
        _deliver(_server, message)
        logger.info("Mail to %s: %s (sent through %s)", to, subject, _server.host)
    except (OSError, smtplib.SMTPException) as failure:
        logger.error("Mail to %s: %s NOT sent through %s: %s", to, subject, _server.host, failure)
    return message


def _deliver(server: SmtpServer, message: Message) -> None:
    mail = EmailMessage()
    mail["From"] = server.sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail.set_content(message.body)
    context = ssl.create_default_context()
    if server.implicit_tls:
        connection = smtplib.SMTP_SSL(
            server.host, server.port, timeout=SMTP_TIMEOUT, context=context
        )
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)
    with connection:
        if not server.implicit_tls:
            connection.ehlo()
            if connection.has_extn("starttls"):
                connection.starttls(context=context)
                connection.ehlo()
        if server.username:
            connection.login(server.username, server.password or "")
        connection.send_message(mail)


def sent_to(address: str) -> list[Message]:
    """The remembered messages (log backend) for one address, oldest first."""
    return [message for message in outbox if message.to == address]
