"""Perturbations of the non-English side of an evaluation, each deterministic and seeded.

Every kind takes a text, a strength ``rate`` in [0, 1] and a seed, and returns the
perturbed text. The random generator is seeded from (kind, rate, seed, text), so a
sentence is perturbed the same way whatever else is in the batch and in whatever order.
The number of edits is ``rate`` times the number of units, rounded stochastically so
that the expected rate is exact even on short sentences. ``change_rate`` measures, from
the two texts alone, the rate that was realised.

Units. Characters are letters (``str.isalpha``). Words are runs of non-space characters
with their trailing space, except that Han and kana characters are a unit each, since
those scripts do not mark word boundaries with spaces.

- ``char``: typos at rate r of the letters: swap with the next letter, drop, insert, or
  replace with a keyboard neighbour. Neighbours follow the QWERTY layout for Latin
  letters; other scripts draw the inserted or replacing letter from the sentence's own
  letters of the same script, so the script is kept. Edits are at least two letters
  apart, so each one costs exactly one edit in optimal-string-alignment distance.
- ``surface``: at rate r of the words, one of: a doubled space after it, punctuation
  added after it (or its trailing punctuation removed), its first letter's case flipped.
- ``homoglyph``: rate r of the letters replaced by a look-alike of the same script: the
  same base letter with other diacritics (from Unicode decompositions: e→é, и→й, ا→أ),
  plus a short table of same-script look-alikes where decompositions give none
  (Arabic ي/ى, ه/ة; Han 己/已, 未/末 ...). Few Han characters have one, so
  the realised rate in Chinese falls far short of r; it is measured and recorded.
- ``shuffle``: local word order: non-overlapping adjacent words swapped, rate r of the
  words moved.
- ``codeswitch``: rate r of the words replaced by their English translation from a
  bilingual lexicon mined from parallel text (``experiments.stability.lexicon``). It is the one
  kind that brings in another script, by design. Words the lexicon lacks stay, so the
  realised rate is capped by the lexicon's coverage.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from functools import cache

from audit.contract import derived_rng

_NO_SPACE = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
UNIT = re.compile(rf"[{_NO_SPACE}]\s*|[^\s{_NO_SPACE}]+\s*|\s+")
_QWERTY = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_LOOKALIKES = ["يى", "هة", "كک", "己已巳", "未末", "土士", "日曰", "人入八", "大太犬", "戊戌戍", "ভঙ", "বর"]
PUNCT = ",.;!?"


# -- shared helpers ----------------------------------------------------------------------
def rng_for(kind: str, text: str, rate: float, seed: int) -> random.Random:
    """The draws for one perturbation of one text, derived from the run's seed (``audit.run.determinism``)."""
    return derived_rng(kind, f"{rate:.6f}", seed, text)


def edits(rate: float, units: int, rng: random.Random) -> int:
    """How many units to change: rate × units, rounded up or down at random (exact in expectation)."""
    exact = rate * units
    whole = int(exact)
    return min(units, whole + (rng.random() < exact - whole))


def script(ch: str) -> str:
    """The Unicode script of a letter, read from its name ('CYRILLIC SMALL LETTER A' -> 'CYRILLIC')."""
    name = unicodedata.name(ch, "")
    return "HAN" if name.startswith("CJK") else name.split(" ")[0]


def scripts(text: str) -> set[str]:
    return {script(ch) for ch in text if ch.isalpha()}


def units(text: str) -> list[str]:
    return UNIT.findall(text)


def letters(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if ch.isalpha()]


def _spaced(candidates: list[int], k: int, rng: random.Random) -> list[int]:
    """Up to k positions, pairwise at least two apart, so no two edits touch."""
    chosen: list[int] = []
    for pos in rng.sample(candidates, len(candidates)):
        if len(chosen) == k:
            break
        if all(abs(pos - c) >= 2 for c in chosen):
            chosen.append(pos)
    return sorted(chosen)


# -- character noise ---------------------------------------------------------------------
def _same_script(text: str, ch: str, rng: random.Random) -> str:
    """A letter of ``ch``'s script other than ``ch``: a keyboard neighbour, else one of the text's own."""
    low = ch.lower()
    for row in _QWERTY:
        if low in row:
            i = row.index(low)
            near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            pick = rng.choice(near)
            return pick.upper() if ch.isupper() else pick
    pool = sorted({c for c in text if c.isalpha() and c != ch and script(c) == script(ch)})
    return rng.choice(pool) if pool else ""


def _typo(text: str, pos: int, rng: random.Random) -> str:
    ch = text[pos]
    ops = ["drop", "insert", "replace"]
    if pos + 1 < len(text) and text[pos + 1].isalpha() and text[pos + 1] != ch:
        ops.append("swap")
    op = rng.choice(ops)
    other = _same_script(text, ch, rng)
    if op == "swap":
        return text[:pos] + text[pos + 1] + ch + text[pos + 2 :]
    if op == "drop" or not other:
        return text[:pos] + text[pos + 1 :]
    if op == "insert":
        return text[:pos] + other + text[pos:]
    return text[:pos] + other + text[pos + 1 :]


def char_noise(text: str, rate: float, rng: random.Random, **_) -> str:
    positions = letters(text)
    chosen = _spaced(positions, edits(rate, len(positions), rng), rng)
    for pos in reversed(chosen):  # right to left, so earlier positions stay valid
        text = _typo(text, pos, rng)
    return text


def typo_at(text: str, pos: int, rng: random.Random) -> str:
    """One typo at one letter: the attack's single-edit move."""
    return _typo(text, pos, rng)


# -- homoglyphs --------------------------------------------------------------------------
@cache
def lookalikes() -> dict[str, tuple[str, ...]]:
    """Same-script look-alikes: letters sharing a base letter under NFD, plus the hand table."""
    groups: dict[str, set[str]] = {}
    for cp in [*range(0x00C0, 0x2000), *range(0x3040, 0x3100)]:  # alphabets, then kana
        ch = chr(cp)
        parts = unicodedata.normalize("NFD", ch)
        marks_only = len(parts) > 1 and all(unicodedata.category(p) == "Mn" for p in parts[1:])
        if ch.isalpha() and marks_only and script(parts[0]) == script(ch):
            groups.setdefault(parts[0], {parts[0]}).add(ch)
    for group in _LOOKALIKES:
        groups.setdefault(group[0], set()).update(group)
    table: dict[str, set[str]] = {}
    for members in groups.values():
        for ch in members:
            table.setdefault(ch, set()).update(members - {ch})
    return {ch: tuple(sorted(alts)) for ch, alts in table.items()}


def homoglyph(text: str, rate: float, rng: random.Random, **_) -> str:
    table = lookalikes()
    eligible = [i for i in letters(text) if text[i] in table]
    k = edits(rate, len(letters(text)), rng)
    chars = list(text)
    for pos in rng.sample(eligible, min(k, len(eligible))):
        chars[pos] = rng.choice(table[chars[pos]])
    return "".join(chars)


# -- word level --------------------------------------------------------------------------
def _split(unit: str) -> tuple[str, str]:
    word = unit.rstrip()
    return word, unit[len(word) :]


def _surface_edit(unit: str, rng: random.Random) -> str:
    word, space = _split(unit)
    ops = ["space", "punct"] + (["case"] if word[:1].lower() != word[:1].upper() else [])
    op = rng.choice(ops)
    if op == "space":
        return word + (space or " ") + " "
    if op == "case":
        return word[0].swapcase() + word[1:] + space
    return (word[:-1] if len(word) > 1 and word[-1] in PUNCT else word + rng.choice(PUNCT)) + space


def surface(text: str, rate: float, rng: random.Random, **_) -> str:
    parts = units(text)
    words = [i for i, u in enumerate(parts) if u.strip()]
    for i in rng.sample(words, edits(rate, len(words), rng)):
        parts[i] = _surface_edit(parts[i], rng)
    return "".join(parts)


def shuffle(text: str, rate: float, rng: random.Random, **_) -> str:
    parts = units(text)
    words = [i for i, u in enumerate(parts) if u.strip()]
    pairs = [(a, b) for a, b in zip(words, words[1:], strict=False) if _split(parts[a])[0] != _split(parts[b])[0]]
    swaps = edits(rate / 2, len(words), rng)  # each swap moves two words
    taken: set[int] = set()
    for a, b in rng.sample(pairs, len(pairs)):
        if swaps == 0:
            break
        if a in taken or b in taken:
            continue
        (wa, sa), (wb, sb) = _split(parts[a]), _split(parts[b])
        parts[a], parts[b] = wb + sa, wa + sb
        taken |= {a, b}
        swaps -= 1
    return "".join(parts)


def normalise(word: str) -> str:
    """The lexicon's key for a word: lower-cased letters only."""
    return "".join(ch for ch in word.lower() if ch.isalpha())


def codeswitch(text: str, rate: float, rng: random.Random, lexicon: dict[str, str] | None = None, **_) -> str:
    parts = units(text)
    words = [i for i, u in enumerate(parts) if u.strip()]
    known = [i for i in words if normalise(parts[i]) in (lexicon or {})]
    for i in rng.sample(known, min(edits(rate, len(words), rng), len(known))):
        word, space = _split(parts[i])
        tail = word[len(word.rstrip(PUNCT)) :]  # keep the sentence's punctuation
        gap = space or (" " if i + 1 < len(parts) else "")  # Han has no spaces; an English word needs them
        parts[i] = lexicon[normalise(word)] + tail + gap
    return "".join(parts)


# -- the catalogue -----------------------------------------------------------------------
KINDS: dict[str, Callable[..., str]] = {
    "char": char_noise,
    "surface": surface,
    "homoglyph": homoglyph,
    "shuffle": shuffle,
    "codeswitch": codeswitch,
}
CHARACTER_LEVEL = {"char", "homoglyph"}


def parse_condition(condition: str) -> tuple[str, float]:
    """'char@0.1' -> ('char', 0.1): a sweep condition's kind and strength."""
    kind, _, strength = condition.partition("@")
    return kind, float(strength)


def perturb(kind: str, text: str, rate: float, seed: int, lexicon: dict[str, str] | None = None) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown perturbation '{kind}'; known: {', '.join(KINDS)}")
    if rate <= 0:
        return text
    return KINDS[kind](text, rate, rng_for(kind, text, rate, seed), lexicon=lexicon)


def change_rate(kind: str, clean: str, perturbed: str) -> float:
    """The rate a perturbation realised, measured from the two texts alone.

    Character kinds: optimal-string-alignment distance (a swap is one edit) over the
    letters of the clean text. Word kinds: the share of word units that differ position
    by position (every word kind keeps the number of units).
    """
    from rapidfuzz.distance import OSA

    if kind in CHARACTER_LEVEL:
        return OSA.distance(clean, perturbed) / max(1, len(letters(clean)))
    a, b = _words(clean), _words(perturbed)
    if len(a) != len(b):
        return OSA.distance(a, b) / max(1, len(a))
    return sum(x != y for x, y in zip(a, b, strict=True)) / max(1, len(a))


def _words(text: str) -> list[str]:
    return [u for u in units(text) if u.strip()]
