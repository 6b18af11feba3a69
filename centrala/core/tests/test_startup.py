"""A bad setting stops Centrala at start-up with one clear line, not a traceback."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


def manage(*args, unset=(), **env):
    """manage.py with these variables set and those in `unset` removed from the environment."""
    environment = {key: value for key, value in {**os.environ, **env}.items() if key not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
        env=environment,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL='nonsense' is not a database URL Centrala understands"),
        ({"DATABASE_URL": "postgres://db.example:5432/"}, "names no database"),
        ({"DATABASE_URL": "postgres://db.example:port/centrala"}, "has a port that is not a number"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a yes/no value"),
        ({"TIME_ZONE": "Mars/Base"}, "TIME_ZONE='Mars/Base' is not a known time zone"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' is not a Redis URL"),
        ({"MAIL_LISTENER": "imap://127.0.0.1:143"}, "MAIL_LISTENER='imap://127.0.0.1:143' is not a listener address"),
        ({"MAIL_LISTENER": "lmtp://127.0.0.1:lots"}, "has a port that is not a number"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY is shorter than 32 characters"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not a whole number"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL='LOUD' is not one of DEBUG, INFO"),
        ({"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "EMAIL_USE_TLS and EMAIL_USE_SSL are both on"),
        ({"PRESENCE_IDLE_MINUTES": "1"}, "PRESENCE_IDLE_MINUTES=1 is below the minimum of 2"),
        ({"ATTACHMENT_MAX_MB": "lots"}, "ATTACHMENT_MAX_MB='lots' is not a whole number"),
        # With SECRET_KEY set nothing else touches the directory before the static files folder.
        ({"CENTRALA_VAR_DIR": "/proc/nope", "SECRET_KEY": "k" * 40}, "CENTRALA_VAR_DIR='/proc/nope' cannot be used"),
        ({"CENTRALA_VAR_DIR": "/proc/nope"}, "CENTRALA_VAR_DIR='/proc/nope' cannot be used"),
        ({"CENTRALA_VAR_DIR": "/dev/null"}, "CENTRALA_VAR_DIR='/dev/null' is a file, not a directory"),
        ({"DEFAULT_FROM_EMAIL": "centrala"}, "DEFAULT_FROM_EMAIL='centrala' is not an e-mail address"),
        ({"DEFAULT_FROM_EMAIL": "Centrala centrala@example.com"}, "is not an e-mail address"),
        ({"ALLOWED_HOSTS": "", "DEBUG": "0"}, "ALLOWED_HOSTS='' lists no host name, so with DEBUG off"),
        ({"ALLOWED_HOSTS": " , ", "DEBUG": "0"}, "ALLOWED_HOSTS=' , ' lists no host name"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_bad_configuration_is_refused_with_one_clear_line(env, expected):
    result = manage("check", **env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Centrala cannot start: ")
    assert expected in line


def test_good_configuration_starts():
    result = manage("check", DEBUG="yes", TIME_ZONE="UTC", EMAIL_PORT="587", LOG_LEVEL="warning")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_an_empty_allowed_hosts_is_fine_with_debug_on():
    result = manage("check", ALLOWED_HOSTS="", DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_a_sender_address_with_a_name_is_accepted():
    probe = "from django.conf import settings; print(settings.DEFAULT_FROM_EMAIL)"
    result = manage("shell", "-c", probe, DEFAULT_FROM_EMAIL=" Centrala <centrala@example.com> ")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "Centrala <centrala@example.com>"


def test_the_default_sqlite_file_lives_in_centrala_var_dir(tmp_path):
    var = tmp_path / "var dir"  # created at start-up, with a space in its name
    probe = ("from django.conf import settings; print(settings.DATABASES['default']['NAME']); "
             "print(settings.STATIC_ROOT)")
    result = manage("shell", "-c", probe, CENTRALA_VAR_DIR=str(var), unset=("DATABASE_URL", "SECRET_KEY"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-2:] == [str(var / "centrala.sqlite3"), str(var / "static")]
    assert (var / "static").is_dir() and (var / "secret_key").is_file()


def test_redis_configuration_passes_the_checks_and_has_a_worker_command():
    # No Redis is contacted here: the RQ task backend's checks and the rqworker command must
    # be in place whenever REDIS_URL is set (the suite itself may run without Redis).
    result = manage("check", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert manage("help", "rqworker", REDIS_URL="redis://127.0.0.1:1/0").returncode == 0


def test_email_variables_configure_the_default_mailer():
    probe = (
        "from django.core import mail; m = mail.mailers.default; "
        "print(type(m).__module__, m.host, m.port, m.username, m.use_tls)"
    )
    result = manage(
        "shell", "-c", probe, EMAIL_HOST="smtp.example.com", EMAIL_PORT="587",
        EMAIL_HOST_USER="centrala", EMAIL_USE_TLS="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == ["django.core.mail.backends.smtp", "smtp.example.com", "587", "centrala", "True"]
    # Without EMAIL_HOST, system e-mail is printed to the console instead of being lost.
    console = manage("shell", "-c", "from django.core import mail; print(type(mail.mailers.default).__module__)")
    assert console.stdout.split()[-1] == "django.core.mail.backends.console"
