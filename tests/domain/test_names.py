"""Name normalisation for search: 山田 はなこ, 山田　ハナコ and ﾔﾏﾀﾞﾊﾅｺ find each other."""

import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.names import normalize_for_search, search_grams, term_gram

FAST = settings(max_examples=300, deadline=None, database=None)

SAME_NAMES = {
    "hiragana_equals_katakana": ("やまだ はなこ", "ヤマダ ハナコ"),
    "half_width_katakana_with_dakuten": ("ﾀﾞ", "ダ"),
    "half_width_name_with_dakuten": ("ﾔﾏﾀﾞﾊﾅｺ", "やまだはなこ"),
    "half_width_handakuten": ("ﾊﾟﾝ", "パン"),
    "half_width_vu": ("ｳﾞｨ", "ヴィ"),
    "half_width_prolonged_sound_mark": ("ﾀﾛｰ", "タロー"),
    "half_width_small_kana": ("ｷｮｳｺ", "きょうこ"),
    "hiragana_vu": ("ゔ", "ヴ"),
    "decomposed_dakuten_from_nfd_input": ("か\u3099", "ガ"),
    "full_width_space_removed": ("山田\u3000はなこ", "山田はなこ"),
    "half_width_space_removed": ("山田 はなこ", "山田はなこ"),
    "kanji_with_both_spaces": ("山田 はなこ", "山田\u3000ハナコ"),
    "tabs_and_newlines_removed": ("山田\tはなこ\n", "山田はなこ"),
    "full_width_ascii_letters": ("ＹＡＭＡＤＡ", "yamada"),
    "full_width_digits": ("１２３", "123"),
    "letter_case_folded": ("Yamada Hanako", "yamadahanako"),
    "full_width_mixed_with_kana": ("ＡＢＣ　ハウス", "abcはうす"),
}


@pytest.mark.parametrize(("a", "b"), SAME_NAMES.values(), ids=list(SAME_NAMES))
def test_spellings_staff_consider_the_same_name_normalise_equal(a: str, b: str) -> None:
    assert normalize_for_search(a) == normalize_for_search(b)


NORMAL_FORMS = {
    "hiragana_becomes_katakana": ("やまだ", "ヤマダ"),
    "half_width_katakana_with_dakuten_joins": ("ﾀﾞ", "ダ"),
    "half_width_katakana_becomes_full_width": ("ﾔﾏﾀﾞ ﾊﾅｺ", "ヤマダハナコ"),
    "full_width_ascii_becomes_ascii": ("ＡＢＣ１２３", "abc123"),
    "spaces_of_both_widths_removed": (" 山田\u3000 花子 ", "山田花子"),
    "kanji_unchanged": ("國分寺", "國分寺"),
    "empty_stays_empty": ("", ""),
    "only_spaces_become_empty": (" \u3000 ", ""),
}


@pytest.mark.parametrize(("text", "expected"), NORMAL_FORMS.values(), ids=list(NORMAL_FORMS))
def test_name_is_folded_to_full_width_katakana_ascii_lowercase_without_spaces(
    text: str, expected: str
) -> None:
    assert normalize_for_search(text) == expected


def test_different_names_stay_different() -> None:
    assert normalize_for_search("たなか") != normalize_for_search("だなか")
    assert normalize_for_search("ﾊﾅｺ") != normalize_for_search("ﾊﾟﾅｺ")
    assert normalize_for_search("山田") != normalize_for_search("山口")


# --- Properties -------------------------------------------------------------------------------

HIRAGANA = [chr(cp) for cp in range(0x3041, 0x3097)]  # ぁ … ゖ, including ゔ ゕ ゖ


def half_width_pairs() -> list[tuple[str, str]]:
    """Half-width katakana (with ﾞ / ﾟ where they join) and its full-width form, from NFKC."""
    pairs = []
    for cp in range(0xFF66, 0xFF9E):  # ｦ … ﾝ, including small kana and ｰ
        for mark in ("", "\uff9e", "\uff9f"):
            half = chr(cp) + mark
            full = unicodedata.normalize("NFKC", half)
            # ﾜﾞ and ｦﾞ (ヷ, ヺ) are left out: see the known gap below.
            if len(full) == 1 and full not in "ヷヺ":
                pairs.append((half, full))
    return pairs


HALF_WIDTH_PAIRS = half_width_pairs()
SPACES = [" ", "\u3000"]
KANJI = list("山田花子國分寺東西本町一丁目")

# What people type into a name field: kana of every width, kanji, ASCII, full-width ASCII.
# A half-width kana with its ﾞ / ﾟ is one token: a space between them would split the letter.
name_tokens = st.one_of(
    st.sampled_from(HIRAGANA),
    st.sampled_from(HIRAGANA).map(lambda c: chr(ord(c) + 0x60)),
    st.sampled_from(HALF_WIDTH_PAIRS).map(lambda pair: pair[0]),
    st.sampled_from(KANJI),
    st.characters(min_codepoint=0x21, max_codepoint=0x7E),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
)
names = st.lists(name_tokens | st.sampled_from(SPACES), max_size=20).map("".join)
# Any text without combining marks (see the known gap below) or lone surrogates.
any_text = st.text(alphabet=st.characters(exclude_categories=("Mn", "Mc", "Me", "Cs")))


@FAST
@given(names)
def test_normalising_a_name_twice_changes_nothing(name: str) -> None:
    once = normalize_for_search(name)
    assert normalize_for_search(once) == once


@FAST
@given(any_text)
def test_normalising_any_text_without_combining_marks_twice_changes_nothing(text: str) -> None:
    once = normalize_for_search(text)
    assert normalize_for_search(once) == once


@FAST
@given(st.lists(st.sampled_from(HIRAGANA), max_size=20))
def test_hiragana_and_katakana_spellings_of_a_name_normalise_equal(chars: list[str]) -> None:
    hiragana = "".join(chars)
    katakana = "".join(chr(ord(c) + 0x60) for c in chars)
    assert normalize_for_search(hiragana) == normalize_for_search(katakana)
    assert normalize_for_search(katakana) == katakana


@FAST
@given(st.lists(st.sampled_from(HALF_WIDTH_PAIRS), max_size=20))
def test_half_width_and_full_width_katakana_spellings_normalise_equal(
    pairs: list[tuple[str, str]],
) -> None:
    half = "".join(h for h, _ in pairs)
    full = "".join(f for _, f in pairs)
    assert normalize_for_search(half) == normalize_for_search(full) == full


@FAST
@given(st.lists(st.tuples(name_tokens, st.sampled_from(["", *SPACES])), max_size=15))
def test_spaces_between_the_letters_of_a_name_do_not_matter(
    tokens: list[tuple[str, str]],
) -> None:
    spaced = "".join(token + space for token, space in tokens)
    unspaced = "".join(token for token, _ in tokens)
    assert normalize_for_search(spaced) == normalize_for_search(unspaced)


@FAST
@given(names)
def test_normal_form_has_no_space_no_hiragana_and_no_half_or_full_width_letters(
    name: str,
) -> None:
    normal = normalize_for_search(name)
    assert not any(ch.isspace() for ch in normal)
    assert not any("\u3041" <= ch <= "\u3096" for ch in normal)
    assert not any("\uff01" <= ch <= "\uff5e" for ch in normal)
    assert not any("\uff66" <= ch <= "\uff9d" for ch in normal)
    assert normal == normal.casefold()


# --- Edge cases of composition --------------------------------------------------------------


def test_combining_mark_after_a_space_is_normalised_in_one_pass() -> None:
    once = normalize_for_search("タ \u3099")
    assert normalize_for_search(once) == once


def test_half_width_wa_and_wo_with_dakuten_join() -> None:
    assert normalize_for_search("ﾜﾞｦﾞ") == "ヷヺ"


# ------------------------------------------------------------------ the search index's bigrams


def test_a_households_grams_are_the_bigrams_of_each_name_apart() -> None:
    grams = search_grams(["ヤマダ", "山田花子", None, "", "ア"])
    assert grams == {"ヤマ", "マダ", "山田", "田花", "花子"}
    assert "ダ山" not in grams  # no bigram spans two names


def test_the_term_is_looked_up_by_its_first_bigram() -> None:
    assert term_gram("サトウ") == "サト"
    assert term_gram("山田") == "山田"
    assert term_gram("サ") is None
    assert term_gram("") is None


@FAST
@given(
    names=st.lists(st.text(max_size=12), max_size=4),
    which=st.integers(min_value=0),
    start=st.integers(min_value=0),
    length=st.integers(min_value=2, max_value=6),
)
def test_every_name_that_contains_a_term_holds_the_terms_gram(
    names: list[str], which: int, start: int, length: int
) -> None:
    keys = [normalize_for_search(n) for n in names]
    candidates = [k for k in keys if len(k) >= 2]
    assume(candidates)
    key = candidates[which % len(candidates)]
    begin = start % (len(key) - 1)
    term = key[begin : begin + length]
    gram = term_gram(term)
    assert gram is not None and gram in search_grams(keys)
