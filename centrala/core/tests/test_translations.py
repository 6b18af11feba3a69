"""Polish and Russian catalogues are complete, and the compiled .mo files match the .po sources."""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "centrala" / "locale"


def read_po(path):
    """(msgctxt, msgid, plural) -> [msgstr...] and the set of fuzzy keys, from a .po file."""
    entries, fuzzy = {}, set()
    current, field, is_fuzzy = {}, None, False

    def flush():
        nonlocal current, is_fuzzy
        if "msgid" in current and current["msgid"]:
            key = (current.get("msgctxt"), current["msgid"], current.get("msgid_plural"))
            entries[key] = [v for k, v in sorted(current.items()) if k.startswith("msgstr")]
            if is_fuzzy:
                fuzzy.add(key)
        current, is_fuzzy = {}, False

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            flush()
            is_fuzzy = True
            continue
        if line.startswith("#~") or not line.strip():
            if current.get("msgid") is not None and field and field.startswith("msgstr"):
                flush()
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            current[field] += ast.literal_eval(line)
            continue
        keyword, _, value = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and field and field.startswith("msgstr"):
            fuzzy_before = is_fuzzy
            flush()
            is_fuzzy = fuzzy_before if keyword == "msgctxt" else is_fuzzy
        field = keyword
        current[field] = ast.literal_eval(value)
    flush()
    return entries, fuzzy


@pytest.mark.parametrize("language", ["pl", "ru"])
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_catalogue_is_complete_and_compiled(language, domain):
    po = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    if domain == "djangojs" and not po.exists():
        return  # no translatable JavaScript strings yet
    entries, fuzzy = read_po(po)
    assert entries, f"{po} has no entries"
    missing = [key[1] for key, values in entries.items() if not all(values)]
    assert not missing, f"untranslated in {po}: {missing[:20]}"
    assert not fuzzy, f"fuzzy (unchecked) in {po}: {[key[1] for key in fuzzy][:20]}"
    with open(po.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for (context, msgid, plural), values in entries.items():
        if plural:
            got = compiled.npgettext(context, msgid, plural, 1) if context else compiled.ngettext(msgid, plural, 1)
        else:
            got = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
        assert got == values[0], f"{po.with_suffix('.mo')} is stale for {msgid!r}: run `make messages`"


def test_every_translatable_string_of_the_code_is_in_the_catalogues(tmp_path, monkeypatch, settings):
    """A string marked for translation but never extracted would show in English to everyone:
    extract the code afresh (as `make messages` does) and compare with the committed catalogues."""
    import shutil

    from django.core.management import call_command

    source = Path(settings.BASE_DIR) / "centrala"
    copy = tmp_path / "centrala"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.mo", "*.eml"))
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = []
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["pl"], ignore_patterns=["tests/*"], no_obsolete=True, verbosity=0)
    call_command("makemessages", locale=["pl"], domain="djangojs", no_obsolete=True, verbosity=0)
    for domain in ("django", "djangojs"):
        fresh = copy / "locale" / "pl" / "LC_MESSAGES" / f"{domain}.po"
        extracted = set(read_po(fresh)[0]) if fresh.exists() else set()
        for language in ("pl", "ru"):
            po = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
            committed = set(read_po(po)[0]) if po.exists() else set()
            missing = sorted(key[1] for key in extracted - committed)
            assert not missing, f"not in {po} (run `make messages`, then translate): {missing[:20]}"
