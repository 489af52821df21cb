"""Where the shipped evidence lives: the evidence base under ./evidence/ when run from a checkout (else beside the
package), and what outputs must never replace."""
from __future__ import annotations

from pathlib import Path

SHIPPED = Path(__file__).resolve().parent.parent / "evidence"


def default_base() -> Path:
    """The one evidence base (a folder with analyses.toml) under ./evidence, else under the shipped evidence."""
    for root in (Path.cwd() / "evidence", SHIPPED):
        bases = sorted(p.parent for p in root.glob("*/analyses.toml")) if root.is_dir() else []
        if len(bases) == 1:
            return bases[0]
        if len(bases) > 1:
            from evsynth.meta.errors import CellProblem, SchemaError

            raise SchemaError([CellProblem(str(root), None, None, "holds several evidence bases ("
                                           + ", ".join(b.name for b in bases) + "); name one with --evidence")])
    return Path.cwd() / "evidence"  # none found: the messages then name the folder looked in


def protected(base: Path) -> tuple[Path, ...]:
    """What outputs must never replace: the evidence base and the rule set beside it (evidence/grading.toml)."""
    from evsynth.meta.review.load import rules_path

    return (Path(base).resolve(), rules_path(base))
