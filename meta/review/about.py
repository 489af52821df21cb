"""What an evidence base is about (its base.toml), in a light module: loaders and the report both need it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..inputs.tomlfiles import key_lines, read_toml
from ..jsonable import Jsonable


@dataclass(frozen=True)
class BaseInfo(Jsonable):
    """What an evidence base is about (its base.toml): the words the report, the figures and the claims use.

    Attributes
    ----------
    title : str
        What the evidence summary is of (the drug's name, say).
    intervention : str
        The intervention's label, as the report, the figures and the claims use it ("Favours <intervention>",
        "Risk with <intervention>", a claim's favours = "<intervention>").
    comparator : str
        The comparator side's label ("control").
    """

    title: str = "Evidence"
    intervention: str = "intervention"
    comparator: str = "control"


@dataclass(frozen=True)
class BaseToml:
    """base.toml as read once: its path, its tables and the lines of its keys (empty when the file is absent)."""

    path: Path
    doc: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)
    exists: bool = False


def read_base_toml(base_dir: str | Path) -> BaseToml:
    """Read the base's base.toml once, for the loaders of its [base] and [methods] tables.

    Parameters
    ----------
    base_dir : str or Path
        The evidence base's folder.

    Returns
    -------
    BaseToml
        The parsed file, or an empty one (exists False) when the base has no base.toml.

    Raises
    ------
    SchemaError
        The file cannot be read or is not TOML.
    """
    path = Path(base_dir) / "base.toml"
    if not path.exists():
        return BaseToml(path)
    doc, text = read_toml(path, base_dir)
    return BaseToml(path, doc, key_lines(text), True)
