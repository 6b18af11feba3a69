"""The configuration helpers: each good value parses, each bad one is refused with a clear message."""

import os
import stat
import threading
from pathlib import Path

import pytest

from centrala.lib.config import (
    ConfigError,
    env_bool,
    env_int,
    env_list,
    env_time_zone,
    parse_database_url,
    parse_redis_url,
    secret_key,
)

BASE = Path("/srv/centrala")


# --- booleans -------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "yes", "On", " yes "])
def test_bool_true_words(raw):
    assert env_bool({"DEBUG": raw}, "DEBUG", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", "", "  "])
def test_bool_false_words(raw):
    assert env_bool({"DEBUG": raw}, "DEBUG", True) is False


def test_bool_missing_gives_default():
    assert env_bool({}, "DEBUG", True) is True
    assert env_bool({}, "DEBUG", False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "nope", "tru"])
def test_bool_refuses_other_words(raw):
    with pytest.raises(ConfigError) as error:
        env_bool({"DEBUG": raw}, "DEBUG", False)
    assert f"DEBUG={raw!r}" in str(error.value)
    assert "yes/no" in str(error.value)


# --- integers -------------------------------------------------------------------------------------

def test_int_parses_and_strips():
    assert env_int({"PORT": " 25 "}, "PORT", 1) == 25
    assert env_int({"PORT": "-3"}, "PORT", 1) == -3


@pytest.mark.parametrize("env", [{}, {"PORT": ""}, {"PORT": "  "}])
def test_int_missing_or_empty_gives_default(env):
    assert env_int(env, "PORT", 587) == 587


@pytest.mark.parametrize("raw", ["abc", "2.5", "1e3", "25 smtp", "0x19"])
def test_int_refuses_non_numbers(raw):
    with pytest.raises(ConfigError, match="is not a whole number"):
        env_int({"PORT": raw}, "PORT", 25)


def test_int_bounds():
    assert env_int({"N": "1"}, "N", 5, minimum=1, maximum=10) == 1
    assert env_int({"N": "10"}, "N", 5, minimum=1, maximum=10) == 10
    with pytest.raises(ConfigError, match="N=0 is below the minimum of 1"):
        env_int({"N": "0"}, "N", 5, minimum=1)
    with pytest.raises(ConfigError, match="N=70000 is above the maximum of 65535"):
        env_int({"N": "70000"}, "N", 5, maximum=65535)


# --- lists ----------------------------------------------------------------------------------------

def test_list_splits_on_commas_and_drops_blanks():
    assert env_list({"HOSTS": " a.example , b.example,,"}, "HOSTS", []) == ["a.example", "b.example"]
    assert env_list({"HOSTS": ""}, "HOSTS", ["x"]) == []


def test_list_default_is_a_copy():
    default = ["localhost"]
    value = env_list({}, "HOSTS", default)
    value.append("other")
    assert default == ["localhost"]


# --- time zones -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["Europe/Warsaw", "UTC", "America/Argentina/Buenos_Aires", " Europe/Kyiv "])
def test_time_zone_accepts_iana_names(raw):
    assert env_time_zone({"TIME_ZONE": raw}, "TIME_ZONE", "UTC") == raw.strip()


def test_time_zone_default():
    assert env_time_zone({}, "TIME_ZONE", "Europe/Warsaw") == "Europe/Warsaw"


@pytest.mark.parametrize("raw", ["Mars/Base", "europe/warsaw", "Europe", "Europe/", "", "../etc/passwd", "/etc/localtime"])
def test_time_zone_refuses_unknown_names(raw):
    with pytest.raises(ConfigError) as error:
        env_time_zone({"TIME_ZONE": raw}, "TIME_ZONE", "UTC")
    assert "is not a known time zone" in str(error.value)
    assert "Europe/Warsaw" in str(error.value)


# --- DATABASE_URL ---------------------------------------------------------------------------------

def test_sqlite_relative_path_is_under_the_project():
    db = parse_database_url("sqlite:///var/centrala.sqlite3", base_dir=BASE)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == "/srv/centrala/var/centrala.sqlite3"
    # Several processes (web, worker) write to one file: wait for locks, write-ahead log.
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_sqlite_absolute_path():
    db = parse_database_url("sqlite:////data/centrala db.sqlite3", base_dir=BASE)
    assert db["NAME"] == "/data/centrala db.sqlite3"
    assert parse_database_url("sqlite:////data/a%20b.sqlite3", base_dir=BASE)["NAME"] == "/data/a b.sqlite3"


@pytest.mark.parametrize(
    "url", ["sqlite:", "sqlite://", "sqlite:///", "sqlite:////", "sqlite:///var/", "sqlite://host/db.sqlite3",
            "sqlite:///var/db.sqlite3?timeout=5"],
)
def test_sqlite_refuses_urls_without_a_file(url):
    with pytest.raises(ConfigError) as error:
        parse_database_url(url, base_dir=BASE)
    assert "a SQLite URL looks like sqlite:///var/centrala.sqlite3" in str(error.value)


def test_postgres_with_everything():
    db = parse_database_url(
        "postgres://centrala:p%40ss%3Aword@db.example:6543/centrala_prod?sslmode=require&connect_timeout=5",
        base_dir=BASE,
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "centrala_prod", "centrala", "p@ss:word", "db.example", "6543",
    )
    assert db["OPTIONS"] == {"sslmode": "require", "connect_timeout": "5"}
    assert db["CONN_MAX_AGE"] == 60 and db["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql", "POSTGRES"])
def test_postgres_schemes(scheme):
    db = parse_database_url(f"{scheme}://postgres@127.0.0.1/centrala", base_dir=BASE)
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "centrala", "postgres", "", "127.0.0.1", "",
    )
    assert db["OPTIONS"] == {}


def test_postgres_without_host_uses_the_local_socket():
    db = parse_database_url("postgres:///centrala", base_dir=BASE)
    assert (db["NAME"], db["HOST"], db["PORT"]) == ("centrala", "", "")


@pytest.mark.parametrize(
    "url", ["postgres://user@db.example:5432", "postgres://user@db.example:5432/", "postgres://h/db/extra"],
)
def test_postgres_refuses_a_missing_database_name(url):
    with pytest.raises(ConfigError, match="names no database"):
        parse_database_url(url, base_dir=BASE)


@pytest.mark.parametrize("port", ["abc", "70000", "-1", "0"])
def test_postgres_refuses_a_bad_port(port):
    with pytest.raises(ConfigError, match="has a port that is not a number from 1 to 65535"):
        parse_database_url(f"postgres://user@db.example:{port}/centrala", base_dir=BASE)


@pytest.mark.parametrize(
    "url", ["nonsense", "", "mysql://user@host/db", "http://example.com/db", "/var/centrala.sqlite3", "sqlite3:///x"],
)
def test_database_url_refuses_nonsense(url):
    with pytest.raises(ConfigError) as error:
        parse_database_url(url, base_dir=BASE)
    message = str(error.value)
    assert message.startswith(f"DATABASE_URL={url!r} is not a database URL Centrala understands")
    assert "postgres://user:password@host:5432/dbname" in message


# --- REDIS_URL ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "redis://localhost", "rediss://:secret@cache.example:6380/3",
            "unix:///run/redis/redis.sock", "redis://cache.example:6379/"],
)
def test_redis_accepts_urls(url):
    assert parse_redis_url(f"  {url} ") == url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:6379", "is not a Redis URL"),
        ("127.0.0.1:6379", "is not a Redis URL"),
        ("nonsense", "is not a Redis URL"),
        ("redis://", "names no host"),
        ("redis://:6379/0", "names no host"),
        ("redis://127.0.0.1:redis/0", "port that is not a number"),
        ("redis://127.0.0.1:99999/0", "port that is not a number"),
        ("redis://127.0.0.1:6379/zero", "must be a number"),
    ],
)
def test_redis_refuses_bad_urls(url, expected):
    with pytest.raises(ConfigError, match=expected) as error:
        parse_redis_url(url)
    assert str(error.value).startswith(f"REDIS_URL={url!r}")


# --- SECRET_KEY -----------------------------------------------------------------------------------

def test_secret_key_from_the_environment(tmp_path):
    key = "k" * 40
    assert secret_key({"SECRET_KEY": key}, tmp_path / "secret_key") == key
    assert not (tmp_path / "secret_key").exists()


def test_secret_key_from_the_environment_must_be_long(tmp_path):
    with pytest.raises(ConfigError, match="shorter than 32 characters"):
        secret_key({"SECRET_KEY": "short"}, tmp_path / "secret_key")


def test_secret_key_is_generated_once_and_reused(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    first = secret_key({}, key_file)
    assert len(first) >= 50
    assert key_file.read_text() == first + "\n"
    # Only the owner may read it.
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert secret_key({}, key_file) == first
    assert os.listdir(key_file.parent) == ["secret_key"]  # no drafts left behind


def test_secret_key_file_that_is_empty_is_refused(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("\n")
    with pytest.raises(ConfigError, match="is empty; delete it to get a new key"):
        secret_key({}, key_file)


def test_processes_starting_together_share_one_key(tmp_path):
    key_file = tmp_path / "secret_key"
    keys = []
    threads = [threading.Thread(target=lambda: keys.append(secret_key({}, key_file))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8
    assert set(keys) == {key_file.read_text().strip()}


def test_secret_key_in_an_unwritable_place_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="cannot be used .* set SECRET_KEY, or CENTRALA_VAR_DIR"):
        secret_key({}, blocker / "secret_key")
