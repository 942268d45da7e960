"""Name normalisation for search: hiragana = katakana, half width = full width, no spaces."""

import unicodedata

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
