"""What an evidence base is about (its base.toml), in a light module: loaders and the report both need it."""
from __future__ import annotations

from dataclasses import dataclass

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
