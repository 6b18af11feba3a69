"""A bad setting stops Centrala at start-up with one clear line, not a traceback."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
        env={**os.environ, **env},
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
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY is shorter than 32 characters"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not a whole number"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL='LOUD' is not one of DEBUG, INFO"),
        ({"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "EMAIL_USE_TLS and EMAIL_USE_SSL are both on"),
        ({"PRESENCE_IDLE_MINUTES": "1"}, "PRESENCE_IDLE_MINUTES=1 is below the minimum of 2"),
        ({"ATTACHMENT_MAX_MB": "lots"}, "ATTACHMENT_MAX_MB='lots' is not a whole number"),
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
