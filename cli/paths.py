"""Where the shipped evidence lives: ./evidence/baclofen when run from a checkout, else beside the package."""
from __future__ import annotations

from pathlib import Path

SHIPPED = Path(__file__).resolve().parent.parent / "evidence" / "baclofen"


def default_base() -> Path:
    here = Path.cwd() / "evidence" / "baclofen"
    return here if (here / "tables").is_dir() else SHIPPED


def protected(base: Path) -> tuple[Path, ...]:
    """What outputs must never replace: the evidence base and the rule set beside it (evidence/grading.toml)."""
    from evsynth.meta.review.load import rules_path

    return (Path(base).resolve(), rules_path(base))
