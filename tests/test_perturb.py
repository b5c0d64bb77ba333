"""Perturbations: deterministic per seed and strength, at the requested rate, script kept."""

from __future__ import annotations

import statistics

import pytest

from experiments.stability import perturb
from experiments.toolkit.readers import tatoeba

LANGS = ["afr", "ara", "ben", "bul", "ell", "rus", "cmn"]
SAMPLE = "Благодаря ти, че се зае с всичко това и с тази работа днес."


@pytest.fixture
def sentences(data_pack):
    out = {}
    for lang in LANGS:
        [record] = tatoeba(data_pack / "tatoeba" / f"tatoeba.{lang}-eng", lang)
        out[lang] = record["source"][:400]
    return out


@pytest.mark.parametrize("kind", ["char", "surface", "homoglyph", "shuffle"])
def test_same_seed_same_output_and_another_seed_differs(kind):
    once = [perturb.perturb(kind, SAMPLE, 0.2, seed=7) for _ in range(3)]
    assert len(set(once)) == 1 and once[0] != SAMPLE
    others = {perturb.perturb(kind, SAMPLE, 0.2, seed=s) for s in range(8)}
    assert len(others) > 1


def test_strength_zero_is_the_identity():
    assert all(perturb.perturb(k, SAMPLE, 0.0, 1, {"с": "with"}) == SAMPLE for k in perturb.KINDS)


@pytest.mark.parametrize("kind", ["char", "surface", "homoglyph", "shuffle"])
@pytest.mark.parametrize("rate", [0.05, 0.1, 0.2])
def test_measured_rate_matches_the_requested_rate(sentences, kind, rate):
    # Few Han and Bengali letters have a same-script look-alike: those fall short, by design (see below).
    langs = [lang for lang in LANGS if not (kind == "homoglyph" and lang in {"cmn", "ben"})]
    for lang in langs:
        measured = statistics.fmean(
            perturb.change_rate(kind, t, perturb.perturb(kind, t, rate, seed))
            for t in sentences[lang]
            for seed in range(3)
        )
        assert measured == pytest.approx(rate, abs=0.03), (lang, measured)


def test_homoglyphs_fall_short_only_where_look_alikes_run_out(sentences):
    table = perturb.lookalikes()
    for text in sentences["ben"] + sentences["cmn"]:
        out = perturb.perturb("homoglyph", text, 0.2, 0)
        eligible = sum(ch in table for ch in text if ch.isalpha())
        assert perturb.change_rate("homoglyph", text, out) * len(perturb.letters(text)) <= eligible


@pytest.mark.parametrize("kind", ["char", "surface", "homoglyph", "shuffle"])
def test_every_kind_but_codeswitching_keeps_the_script(sentences, kind):
    for texts in sentences.values():
        for text in texts:
            assert perturb.scripts(perturb.perturb(kind, text, 0.2, 3)) <= perturb.scripts(text), text


def test_codeswitching_replaces_known_words_at_the_rate_and_keeps_punctuation():
    text = "der Hund sieht die Katze im Garten und der Vogel singt."
    lexicon = {
        w: f"en{i}"
        for i, w in enumerate(["der", "hund", "sieht", "die", "katze", "im", "garten", "und", "vogel", "singt"])
    }
    rates = [
        perturb.change_rate("codeswitch", text, perturb.perturb("codeswitch", text, 0.3, s, lexicon))
        for s in range(200)
    ]
    assert statistics.fmean(rates) == pytest.approx(0.3, abs=0.02)
    out = perturb.perturb("codeswitch", text, 1.0, 0, lexicon)
    assert out == "en0 en1 en2 en3 en4 en5 en6 en7 en0 en8 en9."


def test_codeswitching_without_a_lexicon_entry_changes_nothing():
    assert perturb.perturb("codeswitch", SAMPLE, 0.5, 0, {}) == SAMPLE


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown perturbation 'blur'"):
        perturb.perturb("blur", SAMPLE, 0.1, 0)


def test_lookalikes_stay_in_their_script():
    table = perturb.lookalikes()
    assert "é" in table["e"] and "й" in table["и"] and "ى" in table["ي"]
    assert all(perturb.script(a) == perturb.script(ch) for ch, alts in table.items() for a in alts)
