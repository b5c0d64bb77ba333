"""The mined lexicon: Dice association, thresholds, determinism."""

from __future__ import annotations

from experiments.stability import lexicon

PAIRS = [
    ("der Hund schläft", "the dog sleeps"),
    ("der Hund bellt", "the dog barks"),
    ("ein Hund läuft", "a dog runs"),
    ("die Katze schläft", "the cat sleeps"),
    ("die Katze läuft", "the cat runs"),
    ("eine Katze bellt nie", "a cat never barks"),
]


def test_words_pair_with_their_translations():
    found = lexicon.mine(PAIRS, min_count=3, min_dice=0.5)
    assert found["hund"] == "dog" and found["katze"] == "cat"


def test_rare_words_and_weak_associations_are_left_out():
    found = lexicon.mine(PAIRS, min_count=3, min_dice=0.5)
    assert "nie" not in found  # seen once
    assert lexicon.mine(PAIRS, min_count=4, min_dice=0.1) == {}  # no German word is in 4 pairs


def test_mining_is_deterministic_and_order_free():
    assert lexicon.mine(PAIRS, 2, 0.3) == lexicon.mine(list(reversed(PAIRS)), 2, 0.3)


def test_han_characters_are_words():
    assert lexicon.words("我爱你") == {"我", "爱", "你"}


def test_ties_go_to_the_alphabetically_first_english_word():
    assert lexicon.mine([("x", "ab a b")] * 3, min_count=3, min_dice=0.5) == {"x": "a"}
