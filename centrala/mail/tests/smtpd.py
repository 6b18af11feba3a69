"""Pytest fixture `smtp_server`: a real SMTP server (aiosmtpd) on a free local port.

It keeps every message it accepts (`server.messages`, each with envelope sender, recipients, the
parsed message and whether it came over TLS), offers STARTTLS (see tls.py), can require AUTH (PLAIN/LOGIN with a password, or XOAUTH2 with a token),
and can be told to refuse: `server.refuse(code=451, times=2)` answers the next two DATA commands
with a temporary error, `server.refuse(code=550)` refuses every message for good. Loaded for the
whole suite by the root conftest (pytest_plugins).
"""

import base64
import email
import email.policy
import logging
import socket
import warnings
from dataclasses import dataclass, field

import pytest


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list
    raw: bytes
    message: object  # email.message.EmailMessage
    encrypted: bool = False  # arrived over TLS (after STARTTLS)


@dataclass
class SMTPTestServer:
    host: str = "127.0.0.1"
    port: int = 0
    username: str = ""
    password: str = ""
    token: str = ""  # XOAUTH2 access token accepted, when set
    messages: list = field(default_factory=list)
    refusals: list = field(default_factory=list)  # codes still to answer DATA with, in order
    refuse_code: int = 0  # refuse every DATA with this code (after `refusals` are used up)
    data_commands: int = 0
    controller: object = None

    def refuse(self, code=451, times=None):
        """Answer DATA with `code`: `times` times, or for good when times is None."""
        if times is None:
            self.refuse_code = code
        else:
            self.refusals.extend([code] * times)

    def accept(self):
        self.refusals.clear()
        self.refuse_code = 0

    @property
    def requires_auth(self):
        return bool(self.username or self.token)


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_DATA(self, smtp_server, session, envelope):
        server = self.server
        server.data_commands += 1
        code = server.refusals.pop(0) if server.refusals else server.refuse_code
        if code:
            kind = "try again later" if 400 <= code < 500 else "refused for good"
            return f"{code} Test server: message {kind}"
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        server.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw, message,
                                        encrypted=session.ssl is not None))
        return "250 Message accepted for delivery"


def _authenticator(server):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticate(smtp_server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            ok = (auth_data.login.decode(), auth_data.password.decode()) == (server.username, server.password)
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    return authenticate


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _make_controller(server):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, AuthResult

    class XOAuth2SMTP(SMTP):
        # aiosmtpd finds mechanisms by method name: auth_<NAME>.
        async def auth_XOAUTH2(self, smtp_server, args):
            if len(args) > 1:
                blob = args[1]
            else:
                blob = await self.challenge_auth("", encode_to_b64=False)
                if blob is None:
                    return AuthResult(success=False, handled=False)
            try:
                text = base64.b64decode(blob).decode()
            except (ValueError, UnicodeDecodeError):
                return AuthResult(success=False, handled=False)
            parts = dict(p.split("=", 1) for p in text.split("\x01") if "=" in p)
            user = parts.get("user", "")
            bearer = parts.get("auth", "")
            ok = bool(server.token) and user == server.username and bearer == f"Bearer {server.token}"
            return AuthResult(success=ok, handled=False, auth_data=user)

    class TestController(Controller):
        def factory(self):
            with warnings.catch_warnings():  # AUTH without TLS: on purpose, on 127.0.0.1 only
                warnings.simplefilter("ignore")
                return self._smtp()

        def _smtp(self):
            from .tls import server_context

            return XOAuth2SMTP(
                self.handler, authenticator=_authenticator(server), auth_require_tls=False,
                auth_required=server.requires_auth, hostname="smtp.test", tls_context=server_context(),
            )

    return TestController(_Handler(server), hostname=server.host, port=server.port)


@pytest.fixture
def smtp_server():
    """A running SMTP server; see the module docstring. Configure AUTH before the first message:
    server.username/password/token are read per connection."""
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd logs every connection
    server = SMTPTestServer(port=_free_port())
    server.controller = _make_controller(server)
    server.controller.start()
    yield server
    server.controller.stop()
