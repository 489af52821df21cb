"""JSON-ready values: the one cleaner (NaN and infinities become null, enums their value, tuples lists) and the
mixin that gives frozen dataclasses `to_dict()` and `from_dict()`, so results written as JSON are read back into
the same types (`evsynth diff` reads old snapshots this way)."""
from __future__ import annotations

import dataclasses
import math
import types
import typing
from enum import Enum
from typing import Any

_SIMPLE = (int, bool, str, type(None))


def clean(value: Any) -> Any:
    """A JSON-ready copy: non-finite floats as None, enums as their value, tuples as lists, typed objects through
    their to_dict()."""
    t = type(value)
    if t is float:
        return value if math.isfinite(value) else None
    if t in _SIMPLE:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float):  # numpy floats
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (tuple, list)):
        if value and type(value[0]) in (str, float):
            return [v if type(v) is str or math.isfinite(v) else None for v in value]
        return [clean(v) for v in value]
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if hasattr(value, "item"):  # numpy scalars
        return clean(value.item())
    return value


class Jsonable:
    """Mixin for frozen dataclasses: `to_dict()` (field by field, cleaned) and `from_dict()` (the inverse, typed
    by the fields' annotations; an absent optional field takes its default)."""

    def to_dict(self) -> dict:
        names = type(self).__dict__.get("_names")
        if names is None:
            names = tuple(f.name for f in dataclasses.fields(self))  # type: ignore[arg-type]
            type.__setattr__(type(self), "_names", names)
        return {name: clean(getattr(self, name)) for name in names}

    @classmethod
    def from_dict(cls, data: dict):
        hints = _hints(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in data:
                kwargs[f.name] = _revive(hints[f.name], data[f.name])
        return cls(**kwargs)


def _hints(cls) -> dict:
    cached = cls.__dict__.get("_hints")
    if cached is None:
        cached = typing.get_type_hints(cls)
        type.__setattr__(cls, "_hints", cached)
    return cached


def _revive(tp, value):
    """`value` (from JSON) as type `tp`."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        for a in options:
            if _fits(a, value):
                return _revive(a, value)
        return _revive(options[0], value) if options else value
    if tp is float:
        return math.nan if value is None else float(value)
    if tp in (int, str, bool) or tp is Any:
        return value
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(value)
    if isinstance(tp, type) and issubclass(tp, Jsonable):
        return tp.from_dict(value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_revive(args[0], v) for v in value)
        return tuple(_revive(a, v) for a, v in zip(args, value)) if args else tuple(value)
    if origin is list:
        return [_revive(args[0], v) for v in value] if args else list(value)
    if origin is dict:
        return {k: _revive(args[1], v) for k, v in value.items()} if args else dict(value)
    return value


def _fits(tp, value) -> bool:
    origin = typing.get_origin(tp) or tp
    if value is None:
        return tp is float
    if origin in (tuple, list):
        return isinstance(value, list)
    if origin is dict or (isinstance(tp, type) and issubclass(tp, Jsonable)):
        return isinstance(value, dict)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return isinstance(value, str)
    return isinstance(tp, type) and isinstance(value, tp)
