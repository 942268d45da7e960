"""Name normalisation for search: hiragana = katakana, half width = full width, no spaces."""

import unicodedata
from collections.abc import Iterable

import jaconv


def normalize_for_search(text: str) -> str:
    """Fold a name so that 山田 はなこ, 山田　ハナコ and ﾔﾏﾀﾞﾊﾅｺ compare as staff expect.

    NFKC turns half-width katakana into full width (joining voiced marks, ﾀﾞ → ダ) and full-width
    letters and digits into ASCII; spaces of every width are dropped before the marks are composed
    again, so the result does not change when normalised twice; jaconv folds hiragana into
    katakana; case is folded.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if not ch.isspace())
    text = unicodedata.normalize("NFC", text)
    return jaconv.hira2kata(text).casefold()


def search_grams(keys: Iterable[str | None]) -> set[str]:
    """The two-character pieces (bigrams) of a household's folded names, for the search index.

    A name that contains a search term of two characters or more contains every bigram of the
    term, so the cases holding the term's first bigram are the only candidates worth checking.
    Names are folded (``normalize_for_search``) before they come here.
    """
    return {key[i : i + 2] for key in keys if key for i in range(len(key) - 1)}


def term_gram(term: str) -> str | None:
    """The bigram a folded search term is looked up by (its first), or None below two
    characters, where the term is too short for the index and the search walks the cases."""
    return term[:2] if len(term) >= 2 else None
