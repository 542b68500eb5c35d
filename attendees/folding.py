"""Accent- and case-insensitive comparison of names and e-mail addresses, one definition for every search.

Text is decomposed (NFKD), its combining marks dropped, the few letters that do not decompose (ø, ł, đ...)
replaced, then lower-cased: "Émilie Dupré" -> "emilie dupre", "Łukasz" -> "lukasz". The attendee list repeats
it in SQL (selectors_attendees.Fold, from FOLD_FROM / FOLD_TO); the people search stores it (Fan.search_text);
the door's search matches with it.
"""

import unicodedata

_UNDECOMPOSED = {"Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "ı": "i", "Ħ": "H", "ħ": "h", "Þ": "T",
                 "þ": "t", "Ŧ": "T", "ŧ": "t"}  # fmt: skip
FOLD_FROM, FOLD_TO = "".join(_UNDECOMPOSED), "".join(_UNDECOMPOSED.values())
_FOLD = str.maketrans(_UNDECOMPOSED)


def fold(text: str | None) -> str | None:
    """`text` as searches compare it; None stays None (SQLite calls this on NULL columns)."""
    if text is None:
        return None
    plain = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return plain.translate(_FOLD).lower()
