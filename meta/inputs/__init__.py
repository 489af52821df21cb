"""Reading and validating files; every failure is a located problem (file, line, column, why).

What lives here: reading a file safely (`textfiles`: regular files only, size-limited while reading, a record of
the bytes read; atomic writes), TOML with the line of every key (`tomlfiles`), BibTeX (`bibtex`), an evidence
base's tables and their rules (`evidence`, `schema`), names, ids and text limits (`names`), the one number
parser (`numbers`), a CSV or Parquet table of studies for `evsynth pool` (`tables`), and the fingerprint of
what was read (`fingerprint`).

What it may import: the standard library (numpy and pandas only in `tables`), `evsynth.meta.errors`, and the
engine's vocabulary (`engine.model`, `engine.studies`); never robustness or review (tests/test_layers.py).
Everything but `tables` stays free of numpy, so `evsynth validate` starts fast.
"""
