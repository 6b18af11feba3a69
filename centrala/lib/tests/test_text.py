from centrala.lib.text import fold


def test_fold_lowercases_and_drops_diacritics_in_polish_and_russian():
    assert fold("Łukasz ŻÓŁĆ") == "lukasz zolc"
    assert fold("Ёлкин Пётр") == "елкин петр"
    assert fold("  Jan   Kowalski ") == "jan kowalski"
    assert fold(None) == ""
