"""A pool of Japanese names with their readings, drawn once from Faker's ``ja_JP`` provider.

Calling Faker for each of 250,000 people is slow; the generator samples from these pools instead.
The search columns are filled by the product's own ``domain.names.normalize_for_search``.
"""

import random
from dataclasses import dataclass
from functools import lru_cache

import jaconv
from faker import Faker

from domain.names import normalize_for_search

# (kanji, katakana reading)
NamePair = tuple[str, str]


@dataclass(frozen=True)
class NamePool:
    surnames: tuple[NamePair, ...]
    male: tuple[NamePair, ...]
    female: tuple[NamePair, ...]

    def surname(self, rng: random.Random) -> NamePair:
        return rng.choice(self.surnames)

    def given(self, rng: random.Random, female: bool) -> NamePair:
        return rng.choice(self.female if female else self.male)


def build_pool(seed: int, size: int = 2000) -> NamePool:
    fake = Faker("ja_JP")
    fake.seed_instance(seed)
    surnames = tuple(_pair(fake.last_name_pair()) for _ in range(size))
    male = tuple(_pair(fake.first_name_male_pair()) for _ in range(size // 2))
    female = tuple(_pair(fake.first_name_female_pair()) for _ in range(size // 2))
    return NamePool(surnames, male, female)


def _pair(triple: tuple[str, str, str]) -> NamePair:
    kanji, kana, _romanized = triple
    return kanji, kana


def full_name(rng: random.Random, surname: NamePair, given: NamePair) -> tuple[str, str | None]:
    """The name as staff type it (a half- or full-width space between the parts) and its
    reading, in katakana or hiragana as the forms allow, sometimes not recorded at all."""
    space = " " if rng.random() < 0.8 else "\u3000"
    name = f"{surname[0]}{space}{given[0]}"
    roll = rng.random()
    if roll < 0.05:
        return name, None
    kana = f"{surname[1]} {given[1]}"
    if roll < 0.4:
        kana = jaconv.kata2hira(kana)
    return name, kana


@lru_cache(maxsize=65536)
def search_key(text: str) -> str:
    """The product's folded search copy of a name (cached: the pool repeats names)."""
    return normalize_for_search(text)
