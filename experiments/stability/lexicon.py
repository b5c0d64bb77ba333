"""A bilingual lexicon mined from parallel sentences, for code-switching perturbations.

How it is built: each side of every sentence pair is cut into words
(``perturb.units``, normalised to lower-case letters; Han and kana characters count as
words). For a source word s and an English word e, c(s), c(e) and c(s, e) count the
pairs whose sides contain them, and Dice(s, e) = 2 c(s, e) / (c(s) + c(e)). Each source
word seen in at least ``min_count`` pairs is mapped to its English word of highest
Dice (ties: more co-occurrences, then alphabetical), if that Dice reaches ``min_dice``.
This is the classic co-occurrence association of word-alignment work (Gale & Church
1991; Melamed 2000's competitive linking without the one-to-one step): crude, but
fully determined by the data, with no model and nothing downloaded.

The experiments mine it from Tatoeba pairs that are *not* among the pairs evaluated,
so a sentence is never code-switched with a translation learnt from its own pair.
"""

from __future__ import annotations

from collections import Counter

from experiments.stability.perturb import normalise, units


def words(text: str) -> set[str]:
    return {w for w in (normalise(u) for u in units(text)) if w}


def mine(pairs: list[tuple[str, str]], min_count: int = 3, min_dice: float = 0.4) -> dict[str, str]:
    """Source word -> English word, by Dice association over the sentence pairs."""
    src_count, eng_count, joint = Counter(), Counter(), Counter()
    for src, eng in pairs:
        s_words, e_words = words(src), words(eng)
        src_count.update(s_words)
        eng_count.update(e_words)
        joint.update((s, e) for s in s_words for e in e_words)
    best: dict[str, tuple[float, int, str]] = {}  # smallest wins: (-Dice, -co-occurrences, word)
    for (s, e), both in joint.items():
        if src_count[s] < min_count or s == e:  # a shared spelling is no translation
            continue
        dice = 2 * both / (src_count[s] + eng_count[e])
        rank = (-dice, -both, e)
        if dice >= min_dice and (s not in best or rank < best[s]):
            best[s] = rank
    return {s: rank[2] for s, rank in sorted(best.items())}
