"""Reading configuration from environment variables.

Pure helpers with no Django dependency. Each one refuses a bad value with a ConfigError
that names the variable, the value and what would be accepted, so a typo stops start-up
with one clear line instead of a traceback deep inside Django.
"""

import os
import re
import secrets
import zoneinfo
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    pass


def env_bool(env, name, default):
    raw = env.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r} is not a yes/no value; use one of 1, true, yes, on, 0, false, no, off.")


def env_int(env, name, default, *, minimum=None, maximum=None):
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={value} is below the minimum of {minimum}.")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name}={value} is above the maximum of {maximum}.")
    return value


def env_list(env, name, default):
    raw = env.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_hosts(env, name, default, *, debug):
    """ALLOWED_HOSTS: a comma-separated list, which may be empty only with DEBUG on (Django then
    answers localhost); with DEBUG off an empty list would refuse every request with 400."""
    hosts = env_list(env, name, default)
    if not hosts and not debug:
        raise ConfigError(
            f"{name}={env.get(name, '')!r} lists no host name, so with DEBUG off every request would be "
            f"refused; list the names the site answers to, e.g. {name}=centrala.example.com."
        )
    return hosts


# An address as SMTP servers take it: a local part without spaces, "@", a domain name (or an
# address literal such as [192.0.2.1]). "localhost" and other names without a dot are allowed.
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_LITERAL = re.compile(r"\[[0-9A-Fa-f:.]+\]")


def _is_address(address):
    local, at, domain = address.rpartition("@")
    if not at or not _LOCAL_PART.fullmatch(local) or len(address) > 254:
        return False
    if _LITERAL.fullmatch(domain):
        return True
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return all(_LABEL.fullmatch(label) for label in domain.split("."))


def env_email(env, name, default):
    """An e-mail address, alone ("centrala@example.com") or with a name
    ("Centrala <centrala@example.com>"), as a sender of system e-mail."""
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip()
    display, address = parseaddr(value)
    if "<" in value:
        well_formed = value.endswith(">") and bool(address)
    else:
        well_formed = not display and address == value
    if not (well_formed and _is_address(address)):
        raise ConfigError(
            f"{name}={raw!r} is not an e-mail address; use e.g. centrala@example.com "
            "or Centrala <centrala@example.com>."
        )
    return value


def var_dir(env, name, default, *, base_dir, subdirs=()):
    """The directory for Centrala's own files (SQLite database, secret key, uploads, static
    files), created with `subdirs` if missing. A relative path is taken from base_dir."""
    raw = (env.get(name) or "").strip()
    path = Path(base_dir) / (raw or default)
    shown = f"{name}={raw!r}" if raw else f"{name} (default {str(path)!r})"
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{shown} is a file, not a directory; point it at a directory Centrala may write to.")
    try:
        for directory in (path, *(path / sub for sub in subdirs)):
            directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        where = f" at {error.filename}" if error.filename and str(error.filename) != str(path) else ""
        raise ConfigError(
            f"{shown} cannot be used ({error.strerror or error}{where}); "
            "point it at a directory Centrala may create and write to."
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"{shown} is not writable; point it at a directory Centrala may write to.")
    return path


def env_time_zone(env, name, default):
    raw = env.get(name, default).strip()
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a region directory such as "Europe" names no zone file.
        raise ConfigError(
            f"{name}={raw!r} is not a known time zone; use an IANA name such as Europe/Warsaw."
        ) from None
    return raw


def parse_database_url(url, *, base_dir):
    """Turn DATABASE_URL into a Django DATABASES entry.

    Accepted: sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3,
    postgres://user:password@host:port/name (also postgresql://) with ?sslmode=... options.
    """
    name = "DATABASE_URL"
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///var/db.sqlite3 -> path "/var/db.sqlite3" relative to the project;
        # sqlite:////srv/db.sqlite3 -> absolute path "/srv/db.sqlite3".
        path = unquote(parts.path)
        if parts.netloc or not path or path.endswith("/") or parts.query:
            raise ConfigError(
                f"{name}={url!r}: a SQLite URL looks like sqlite:///var/centrala.sqlite3 "
                "(relative to the project) or sqlite:////srv/centrala.sqlite3 (absolute), without options."
            )
        path = path[1:]
        file = Path(path) if path.startswith("/") else Path(base_dir) / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(file),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        db_name = unquote(parts.path[1:])
        if not db_name or "/" in db_name:
            raise ConfigError(
                f"{name}={url!r} names no database; use postgres://user:password@host:5432/dbname."
            )
        port = _port(name, url, parts)
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db_name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ConfigError(
        f"{name}={url!r} is not a database URL Centrala understands; "
        "use sqlite:///var/centrala.sqlite3 or postgres://user:password@host:5432/dbname."
    )


def parse_redis_url(url):
    name = "REDIS_URL"
    parts = urlsplit(url.strip())
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(
            f"{name}={url!r} is not a Redis URL; use redis://host:6379/0 (or rediss:// for TLS)."
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise ConfigError(f"{name}={url!r} names no host; use redis://host:6379/0.")
    _port(name, url, parts)
    db_number = parts.path.strip("/")
    if parts.scheme != "unix" and db_number and not db_number.isdigit():
        raise ConfigError(
            f"{name}={url!r}: the database after the host must be a number, as in redis://host:6379/0."
        )
    return url.strip()


def parse_listener_url(url, name="MAIL_LISTENER"):
    """lmtp://host:port or smtp://host:port -> {"scheme", "host", "port"} (the mail listener)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"lmtp", "smtp"} or parts.path not in ("", "/") or parts.query:
        raise ConfigError(f"{name}={url!r} is not a listener address; use lmtp://127.0.0.1:2424 or smtp://0.0.0.0:2525.")
    if not parts.hostname:
        raise ConfigError(f"{name}={url!r} names no address to listen on; use lmtp://127.0.0.1:2424.")
    port = _port(name, url, parts)
    if port is None:
        raise ConfigError(f"{name}={url!r} names no port; use lmtp://127.0.0.1:2424.")
    return {"scheme": parts.scheme, "host": parts.hostname, "port": port}


def _port(name, url, parts):
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ConfigError(f"{name}={url!r} has a port that is not a number from 1 to 65535.")
    return port


def secret_key(env, key_file):
    """SECRET_KEY from the environment, else one generated once and kept in key_file.

    Several processes may start at once on a fresh installation (web server and worker), so the
    file appears atomically, complete: whoever links it first wins and the others read that key.
    """
    raw = env.get("SECRET_KEY")
    if raw is not None:
        if len(raw) < 32:
            raise ConfigError("SECRET_KEY is shorter than 32 characters; use a long random value.")
        return raw
    key_file = Path(key_file)
    remedy = "set SECRET_KEY, or CENTRALA_VAR_DIR to a writable directory"
    try:
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            draft = key_file.with_name(f".{key_file.name}.{secrets.token_hex(8)}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(50) + "\n")
            try:
                os.link(draft, key_file)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        key = key_file.read_text().strip()
    except OSError as error:
        raise ConfigError(
            f"SECRET_KEY is not set and {key_file} cannot be used ({error.strerror}); {remedy}."
        ) from None
    if not key:
        raise ConfigError(
            f"SECRET_KEY is not set and {key_file} is empty; delete it to get a new key, or {remedy}."
        )
    return key
