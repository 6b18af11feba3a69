"""Centrala settings: everything that varies between installations comes from the environment.

README.md lists every variable with its default. A bad value stops start-up with one clear
line (see centrala.lib.config); nothing here reads a variable without checking it.
"""

import os
import sys
from pathlib import Path
from urllib.parse import quote

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from centrala.lib.config import (
    ConfigError,
    env_bool,
    env_email,
    env_hosts,
    env_int,
    env_list,
    env_time_zone,
    parse_database_url,
    parse_listener_url,
    parse_redis_url,
    secret_key,
    var_dir,
)

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules
env = os.environ

try:
    # Centrala's own files: the default SQLite database, the generated secret key, uploads and
    # collected static files. Relative to the project folder unless absolute.
    VAR_DIR = var_dir(env, "CENTRALA_VAR_DIR", "var", base_dir=BASE_DIR, subdirs=("static",))
    DEBUG = env_bool(env, "DEBUG", False)
    SECRET_KEY = secret_key(env, VAR_DIR / "secret_key")
    ALLOWED_HOSTS = env_hosts(env, "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"], debug=DEBUG)
    CSRF_TRUSTED_ORIGINS = env_list(env, "CSRF_TRUSTED_ORIGINS", [])
    DATABASES = {
        "default": parse_database_url(
            # The default is the file centrala.sqlite3 in CENTRALA_VAR_DIR (an absolute sqlite:////... URL).
            env.get("DATABASE_URL", f"sqlite:///{quote(str(VAR_DIR / 'centrala.sqlite3'))}"), base_dir=BASE_DIR
        )
    }
    REDIS_URL = parse_redis_url(env["REDIS_URL"]) if env.get("REDIS_URL") else None
    # Where `manage.py mail_listener` takes mail delivered by the site's mail server (None: not run by serve).
    MAIL_LISTENER = parse_listener_url(env["MAIL_LISTENER"]) if env.get("MAIL_LISTENER") else None
    TIME_ZONE = env_time_zone(env, "TIME_ZONE", "Europe/Warsaw")
    # System e-mail (password resets, notices). Read from the same variables as always, but
    # handed to Django 6.1's MAILERS, which replaces the EMAIL_* settings.
    email_host = env.get("EMAIL_HOST", "")
    email_port = env_int(env, "EMAIL_PORT", 25, minimum=1, maximum=65535)
    email_use_tls = env_bool(env, "EMAIL_USE_TLS", False)
    email_use_ssl = env_bool(env, "EMAIL_USE_SSL", False)
    if email_use_tls and email_use_ssl:
        raise ConfigError("EMAIL_USE_TLS and EMAIL_USE_SSL are both on; choose one (STARTTLS or TLS).")
    if email_host:
        MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {
                    "host": email_host,
                    "port": email_port,
                    "username": env.get("EMAIL_HOST_USER", ""),
                    "password": env.get("EMAIL_HOST_PASSWORD", ""),
                    "use_tls": email_use_tls,
                    "use_ssl": email_use_ssl,
                    "timeout": 30,
                },
            }
        }
    else:
        MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    DEFAULT_FROM_EMAIL = env_email(env, "DEFAULT_FROM_EMAIL", "centrala@localhost")
    SECURE_SSL_REDIRECT = env_bool(env, "SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = env_int(env, "SECURE_HSTS_SECONDS", 0, minimum=0)
    BEHIND_TLS_PROXY = env_bool(env, "BEHIND_TLS_PROXY", False)
    LOG_LEVEL = env.get("LOG_LEVEL", "INFO").upper()
    if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(f"LOG_LEVEL={LOG_LEVEL!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL.")
    LOG_FORMAT = env.get("LOG_FORMAT", "text" if DEBUG else "json").lower()
    if LOG_FORMAT not in {"json", "text"}:
        raise ConfigError(f"LOG_FORMAT={LOG_FORMAT!r} is not one of json, text.")
    LOGIN_FAILURE_LIMIT = env_int(env, "LOGIN_FAILURE_LIMIT", 5, minimum=1)
    LOGIN_LOCKOUT_MINUTES = env_int(env, "LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
    PRESENCE_IDLE_MINUTES = env_int(env, "PRESENCE_IDLE_MINUTES", 10, minimum=2, maximum=24 * 60)
    # Largest file accepted as a case attachment; bigger uploads are refused with this limit named.
    ATTACHMENT_MAX_BYTES = env_int(env, "ATTACHMENT_MAX_MB", 20, minimum=1, maximum=2048) * 1024 * 1024
except ConfigError as error:
    sys.stderr.write(f"Centrala cannot start: {error}\n")
    raise SystemExit(2) from None

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
    "django_htmx",
    "channels",
    "django_tasks_db",
    "django_tasks_rq",
    "ninja",  # serves the API docs page's Swagger UI assets locally (our CSP forbids CDNs)
    "centrala.core",
    "centrala.accounts",
    "centrala.audit",
    "centrala.presence",
    "centrala.realtime",
    "centrala.notifications",
    "centrala.api",
    "centrala.contacts",
    "centrala.campaigns",
    "centrala.cases",
    "centrala.activities",
    "centrala.worklists",
    "centrala.mail",
    "centrala.webforms",
    "centrala.dealership",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "centrala.core.middleware.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "centrala.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "centrala.core.context_processors.shell",
            ],
        },
    }
]

# SQLite tests run against a file so that the live ASGI server thread, the task worker
# subprocess and the test itself all see the same committed rows.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # One file per test run, so parallel runs on one machine do not share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-centrala-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": env.get("TEST_DATABASE_NAME") or None}

if TESTING:
    # Connections of the live server's threads must close after each request, or the test
    # database cannot be dropped at the end of the run.
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en"
LANGUAGES = [("pl", _("Polish")), ("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "centrala" / "locale"]
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "centrala_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
# `manage.py collectstatic` target, created with VAR_DIR above; whitenoise also reads the apps' folders.
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env.get("CHANNEL_LAYER_PREFIX", "centrala") + (f"-test{os.getpid()}" if TESTING else "")},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    # django_rq provides the `rqworker` command; it needs RQ_QUEUES, so only with Redis.
    INSTALLED_APPS.append("django_rq")
    # Workers must run jobs with django_tasks_rq's Job, which calls django.tasks tasks and sends
    # the task signals; RQ's own Job cannot call them. This makes a plain `rqworker` do so.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


# Security. Cookies are secure whenever DEBUG is off; `make run` turns DEBUG on for local HTTP.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_INCLUDE_SUBDOMAINS = bool(SECURE_HSTS_SECONDS)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "centrala.lib.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "uvicorn.access": {"level": "WARNING"},
    },
}
