import pytest

from audit.errors import Unverifiable
from experiments.toolkit.sources import pack


def test_real_pack_file_loads_with_the_manifest_count(data_pack):
    # MANIFEST.md: MultiNLI dev-matched, all 9815 examples.
    ds = pack.load(data_pack, "english/mnli/mnli_dev_matched.generative-nli.jsonl", "json")
    assert ds.num_rows == 9815 and set(ds.column_names) == {"premise", "hypothesis", "label"}


def test_no_pack_configured_says_how_to_fix():
    with pytest.raises(Unverifiable, match="set AUDIT_DATA_DIR"):
        pack.locate(None, "english/mnli/x.jsonl")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(Unverifiable, match="english/qqp/train.tsv is not in the data pack"):
        pack.locate(tmp_path, "english/qqp/train.tsv")


def test_unknown_format_is_unverifiable_not_a_crash(data_pack):
    with pytest.raises(Unverifiable, match="no reader for the pack format 'klosax-text'"):
        pack.load(data_pack, "english/hellaswag/hellaswag_val_full.txt.bz2", "klosax-text")
