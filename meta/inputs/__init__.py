"""Reading and validating files; every failure is a located problem (file, line, column, why).

What lives here: reading a file safely (`textfiles`: regular files only, size-limited while reading, a record of
the bytes read; atomic writes), TOML with the line of every key (`tomlfiles`), BibTeX (`bibtex`), an evidence
base's tables and their rules (`evidence`, `schema`), the numbers a quote states (`quoted`) and the derivations
that compute the others (`derived_grammar`, `derived_functions`, `derived`), names, ids and text limits
(`names`), the one number parser (`numbers`), a CSV or Parquet table of studies for `evsynth pool` (`tables`),
and the fingerprint of what was read (`fingerprint`).

What it may import: the standard library (numpy and pandas only in `tables`), `evsynth.meta.errors`, the
engine's vocabulary (`engine.model`, `engine.studies`) and its conversions (`engine.conversions`, imported by
`derived_functions` only when a derivation calls one); never robustness or review (tests/test_layers.py).
Everything but `tables` stays free of numpy when imported, so `evsynth validate` starts fast.
"""
