"""Refits and checks of one pooled analysis: how much the conclusion depends on any one study or choice.

What lives here: leave-one-out, cumulative and influence diagnostics (`refits`), small-study tests (Egger,
Begg, Peters, Harbord) and trim-and-fill (`small_study`), trial sequential analysis (`tsa`: information size
and Lan-DeMets boundaries; `trial_sequential`: running it on an analysis), and the fragility index
(`fragility`). Each is checked against metafor (or the reference implementation of its method).

What it may import: the engine and `evsynth.meta.errors` / `jsonable`; never inputs or review
(tests/test_layers.py).
"""
