"""Outgoing mail. The log backend writes each message to the `portal.mail` logger and keeps the
most recent ones in memory (development and tests read the links there); it is the only
backend so far: a real SMTP backend is chosen with MAIL_BACKEND / SMTP_URL (see the README)."""

import logging
from collections import deque
from dataclasses import dataclass

logger = logging.getLogger("portal.mail")

KEEP = 50  # messages remembered for tests and the development console


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


outbox: deque[Message] = deque(maxlen=KEEP)


def send(to: str, subject: str, body: str) -> Message:
    """Deliver one plain-text message (here: log it and remember it)."""
    message = Message(to=to, subject=subject, body=body)
    outbox.append(message)
    logger.info("Mail to %s: %s\n%s", to, subject, body)
    return message


def sent_to(address: str) -> list[Message]:
    """The remembered messages for one address, oldest first."""
    return [message for message in outbox if message.to == address]
