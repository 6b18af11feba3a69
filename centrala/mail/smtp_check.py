"""Signing in to an SMTP server to test an outgoing mailbox's settings ("Test connection")."""

import smtplib
import socket
import ssl

from django.utils.translation import gettext as _

from .models import AuthMethod

TIMEOUT = 20


def open_smtp(box, *, timeout=TIMEOUT):
    """A signed-in smtplib connection, or ConnectionError with a message for administrators.
    Connects exactly as sending does (sending.connect): what the test says is what sending meets."""
    from .sending import _describe, connect

    where = f"{box.host}:{box.port}"
    try:
        return connect(box, timeout=timeout)
    except socket.gaierror:
        raise ConnectionError(_("The server name “%(host)s” could not be found. Check the spelling.")
                              % {"host": box.host}) from None
    except ConnectionRefusedError:
        raise ConnectionError(_("Nothing answers at %(where)s: the server is down or the port is wrong.")
                              % {"where": where}) from None
    except (TimeoutError, socket.timeout):
        raise ConnectionError(_("The server at %(where)s did not answer within %(seconds)s seconds.")
                              % {"where": where, "seconds": timeout}) from None
    except ssl.SSLCertVerificationError as error:
        raise ConnectionError(_("The server's TLS certificate is not trusted: %(reason)s.")
                              % {"reason": error.verify_message or error.reason}) from None
    except ssl.SSLError as error:
        raise ConnectionError(_("The secure (TLS) connection to %(where)s failed: %(reason)s. Check whether the "
                                "port expects SSL/TLS, STARTTLS or no encryption.")
                              % {"where": where, "reason": error.reason or error}) from None
    except smtplib.SMTPNotSupportedError as error:
        if "STARTTLS" in str(error):
            raise ConnectionError(_("The server at %(where)s does not offer STARTTLS.") % {"where": where}) from None
        raise ConnectionError(_("The server does not accept sign-in (AUTH) on this connection; it may need "
                                "STARTTLS first.")) from None
    except smtplib.SMTPAuthenticationError as error:
        if box.auth_method == AuthMethod.XOAUTH2:
            raise ConnectionError(_("The server refused the OAuth2 access token for “%(user)s”: %(reason)s")
                                  % {"user": box.username, "reason": _describe(error)}) from None
        raise ConnectionError(_("The server refused the user name or password for “%(user)s”: %(reason)s")
                              % {"user": box.username, "reason": _describe(error)}) from None
    except (OSError, smtplib.SMTPException) as error:
        raise ConnectionError(_("Could not connect to %(where)s: %(reason)s")
                              % {"where": where, "reason": _describe(error)}) from None


def test_smtp(box):
    """(ok, message); records the outcome on a saved mailbox."""
    try:
        smtp = open_smtp(box)
    except ConnectionError as error:
        ok, message = False, str(error)
    else:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
        ok, message = True, _("Connected and signed in.") if box.username else _("Connected (no sign-in configured).")
    box.remember_outcome("" if ok else message)
    return ok, message
