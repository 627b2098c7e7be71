"""Mail through a real SMTP conversation: a small local server receives what the portal sends;
an unreachable server never changes the answer a visitor gets."""

import socketserver
import threading
from email import message_from_bytes

import pytest

from portal.config import ConfigurationError
from portal.services import mail
from tests.conftest import make_app, post_form, unique_email


class _Conversation(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: no STARTTLS offered, no authentication."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        while raw := self.rfile.readline():
            command = raw.decode().strip().upper()
            if command.startswith("EHLO"):
                self.reply("250-test")
                self.reply("250 8BITMIME")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 go on")
                lines = []
                while (line := self.rfile.readline()) != b".\r\n":
                    lines.append(line)
                self.server.received.append(message_from_bytes(b"".join(lines)))
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not here")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Conversation)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp_app(database_url, smtp_server):
    port = smtp_server.server_address[1]
    application = make_app(database_url, SMTP_URL=f"smtp://127.0.0.1:{port}", MAIL_FROM="hr@x.test")
    yield application
    mail.configure(None)  # the rest of the run reads the log backend's outbox


def test_a_password_reset_is_delivered_through_smtp(app, smtp_app, smtp_server, make_recruiter):
    email = make_recruiter().recruiter_email
    answer = post_form(smtp_app.test_client(), "/password/forgot", {"email": email})
    assert answer.status_code in (200, 303)
    [message] = smtp_server.received
    assert (message["To"], message["From"]) == (email, "hr@x.test")
    assert "/password/reset/" in message.get_payload(decode=True).decode()
    assert mail.sent_to(email) == []  # SMTP mail is not kept in memory


def test_an_unreachable_mail_server_does_not_change_the_answer(database_url, make_recruiter):
    application = make_app(database_url, SMTP_URL="smtp://127.0.0.1:9")
    try:
        taken = make_recruiter().recruiter_email
        answers = [
            post_form(application.test_client(), "/password/forgot", {"email": address})
            for address in (taken, unique_email("nobody"))
        ]
    finally:
        mail.configure(None)
    assert answers[0].status_code == answers[1].status_code
    assert answers[0].status_code < 500


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25"])
def test_a_malformed_smtp_url_refuses_to_start(database_url, url):
    with pytest.raises(ConfigurationError, match="SMTP_URL"):
        make_app(database_url, SMTP_URL=url)
    mail.configure(None)
