"""Name normalisation for search: hiragana = katakana, half width = full width, no spaces."""

import unicodedata

import jaconv


def normalize_for_search(text: str) -> str:
    """Fold a name so that 山田 はなこ, 山田　ハナコ and ﾔﾏﾀﾞﾊﾅｺ compare as staff expect.

    Half-width katakana becomes full width (with voiced marks joined), full-width letters and
    digits become ASCII, hiragana becomes katakana, case is folded and all spaces are removed.
    """
    text = jaconv.h2z(text, kana=True, ascii=False, digit=False)
    text = jaconv.z2h(text, kana=False, ascii=True, digit=True)
    text = unicodedata.normalize("NFC", text)
    text = jaconv.hira2kata(text)
    return "".join(ch for ch in text.casefold() if not ch.isspace())
