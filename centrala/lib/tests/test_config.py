"""The configuration helpers: each good value parses, each bad one is refused with a clear message."""

import os
import stat
import threading
from pathlib import Path

import pytest

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


# --- ALLOWED_HOSTS --------------------------------------------------------------------------------

def test_hosts_are_a_list_and_default():
    assert env_hosts({"ALLOWED_HOSTS": "a.example, b.example"}, "ALLOWED_HOSTS", [], debug=False) == [
        "a.example", "b.example"]
    assert env_hosts({}, "ALLOWED_HOSTS", ["localhost"], debug=False) == ["localhost"]


@pytest.mark.parametrize("raw", ["", " ", ",", " , ,"])
def test_no_hosts_are_refused_without_debug(raw):
    with pytest.raises(ConfigError) as error:
        env_hosts({"ALLOWED_HOSTS": raw}, "ALLOWED_HOSTS", ["localhost"], debug=False)
    assert str(error.value).startswith(f"ALLOWED_HOSTS={raw!r} lists no host name")
    assert "ALLOWED_HOSTS=centrala.example.com" in str(error.value)
    # With DEBUG on Django answers localhost by itself, so an empty list is fine.
    assert env_hosts({"ALLOWED_HOSTS": raw}, "ALLOWED_HOSTS", ["localhost"], debug=True) == []


# --- e-mail addresses -----------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["centrala@localhost", "centrala@example.com", " noreply@mail.example.pl ",
                                 "Centrala <centrala@example.com>", '"Centrala, Sp. z o.o." <biuro@example.pl>',
                                 "first.last+tag@example.com", "biuro@zażółć.pl", "root@[192.0.2.1]"])
def test_email_accepts_addresses_with_or_without_a_name(raw):
    assert env_email({"DEFAULT_FROM_EMAIL": raw}, "DEFAULT_FROM_EMAIL", "x@localhost") == raw.strip()


def test_email_default():
    assert env_email({}, "DEFAULT_FROM_EMAIL", "centrala@localhost") == "centrala@localhost"


@pytest.mark.parametrize("raw", ["", "centrala", "@example.com", "centrala@", "a b@example.com", "a@exa mple.com",
                                 "a@-example.com", "a@example..com", "a@example.com, b@example.com",
                                 "Centrala a@example.com", "Centrala <a@example.com", "a@example.com>",
                                 "Centrala <nobody>"])
def test_email_refuses_what_is_not_an_address(raw):
    with pytest.raises(ConfigError) as error:
        env_email({"DEFAULT_FROM_EMAIL": raw}, "DEFAULT_FROM_EMAIL", "x@localhost")
    assert str(error.value).startswith(f"DEFAULT_FROM_EMAIL={raw!r} is not an e-mail address")
    assert "centrala@example.com" in str(error.value)


# --- CENTRALA_VAR_DIR -----------------------------------------------------------------------------

def test_var_dir_is_created_with_its_subdirectories(tmp_path):
    path = var_dir({"CENTRALA_VAR_DIR": str(tmp_path / "a" / "var")}, "CENTRALA_VAR_DIR", "var", base_dir=BASE,
                   subdirs=("static",))
    assert path == tmp_path / "a" / "var" and (path / "static").is_dir()


def test_var_dir_default_and_relative_paths_are_under_the_project(tmp_path):
    assert var_dir({}, "CENTRALA_VAR_DIR", "var", base_dir=tmp_path) == tmp_path / "var"
    assert var_dir({"CENTRALA_VAR_DIR": ""}, "CENTRALA_VAR_DIR", "var", base_dir=tmp_path) == tmp_path / "var"
    assert var_dir({"CENTRALA_VAR_DIR": "data/x"}, "CENTRALA_VAR_DIR", "var", base_dir=tmp_path) == tmp_path / "data/x"
    assert (tmp_path / "data" / "x").is_dir()


def test_an_unusable_var_dir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cases = [("/proc/nope", "cannot be used (No such file or directory)"),
             (str(blocker), "is a file, not a directory"),
             (str(blocker / "var"), "cannot be used (Not a directory)")]
    for raw, expected in cases:
        with pytest.raises(ConfigError) as error:
            var_dir({"CENTRALA_VAR_DIR": raw}, "CENTRALA_VAR_DIR", "var", base_dir=tmp_path, subdirs=("static",))
        assert str(error.value).startswith(f"CENTRALA_VAR_DIR={raw!r} ")
        assert expected in str(error.value)


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


# --- MAIL_LISTENER -------------------------------------------------------------------------------

def test_listener_urls():
    assert parse_listener_url(" lmtp://127.0.0.1:2424 ") == {"scheme": "lmtp", "host": "127.0.0.1", "port": 2424}
    assert parse_listener_url("smtp://0.0.0.0:2525/") == {"scheme": "smtp", "host": "0.0.0.0", "port": 2525}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("imap://127.0.0.1:143", "is not a listener address"),
        ("127.0.0.1:2424", "is not a listener address"),
        ("lmtp://127.0.0.1:2424/inbox", "is not a listener address"),
        ("lmtp://:2424", "names no address to listen on"),
        ("lmtp://127.0.0.1", "names no port"),
        ("smtp://127.0.0.1:70000", "port that is not a number"),
    ],
)
def test_listener_refuses_bad_urls(url, expected):
    with pytest.raises(ConfigError, match=expected) as error:
        parse_listener_url(url)
    assert str(error.value).startswith(f"MAIL_LISTENER={url!r}")


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
