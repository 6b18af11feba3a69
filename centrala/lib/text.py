"""Text folding for searches that work the same on SQLite and PostgreSQL, in every language."""

import unicodedata

# Letters that Unicode does not decompose into a base letter and a mark.
_EXTRA = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ё": "е"})


def fold(text):
    """Lower-case, without diacritics: "Łukasz Żółć" -> "lukasz zolc", "Ёлкин" -> "елкин".

    SQLite compares case-insensitively only in ASCII, so searches compare folded copies instead;
    folding accents also lets users type names without Polish letters.
    """
    text = (text or "").casefold().translate(_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())
