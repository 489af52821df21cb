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
    their to_dict().

    Parameters
    ----------
    value : object
        Any value: numbers, str, None, enums, tuples and lists, dicts, objects with ``to_dict()``, numpy scalars.

    Returns
    -------
    object
        The JSON-ready copy (anything not listed above is returned as it is). A list or tuple whose first element is
        a str or float is taken as flat: its items are kept as they are, a non-finite float as None.
    """
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
        """The dataclass's fields as JSON-ready values, in field order (see :func:`clean`).

        Returns
        -------
        dict
        """
        names = type(self).__dict__.get("_names")
        if names is None:
            names = tuple(f.name for f in dataclasses.fields(self))  # type: ignore[arg-type]
            type.__setattr__(type(self), "_names", names)
        return {name: clean(getattr(self, name)) for name in names}

    @classmethod
    def from_dict(cls, data: dict):
        """The object `to_dict()` described: each field read back as its annotation's type.

        Parameters
        ----------
        data : dict
            Parsed JSON, as ``to_dict()`` wrote it; keys that are not fields are ignored, absent fields take their
            default.

        Returns
        -------
        Jsonable
            An instance of the class (a null for a field typed plain float is read back as NaN).

        Raises
        ------
        TypeError
            A required field is absent (from the dataclass's constructor).
        """
        hints = _hints(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in data:
                kwargs[f.name] = _revive(hints[f.name], data[f.name])
        return cls(**kwargs)


class Sparse(Jsonable):
    """to_dict() leaves out optional fields that hold None (a step that does not apply is absent, not null)."""

    SPARSE: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The fields as JSON-ready values, without the SPARSE fields that are None.

        Returns
        -------
        dict
        """
        d = super().to_dict()
        return {k: v for k, v in d.items() if not (k in self.SPARSE and v is None)}


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
    if isinstance(tp, type) and issubclass(tp, Jsonable):  # a dict with every field the class requires
        return isinstance(value, dict) and all(
            f.name in value for f in dataclasses.fields(tp)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    if origin is dict:
        return isinstance(value, dict)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return isinstance(value, str)
    return isinstance(tp, type) and isinstance(value, tp)


def field_docs(cls) -> dict[str, str]:
    """Each field's description, from the numpydoc "Attributes" section of the class docstring (and its bases').

    Parameters
    ----------
    cls : type
        The class.

    Returns
    -------
    dict of str to str
        Field name -> its description on one line (a subclass's description replaces its base's).
    """
    import inspect
    import re

    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        text = inspect.cleandoc(klass.__dict__.get("__doc__") or "")
        m = re.search(r"^Attributes\n-+\n(.*?)(?:\n\n[A-Z][a-z]+\n-+\n|\Z)", text, re.S | re.M)
        if not m:
            continue
        name, lines = None, []
        for line in m.group(1).splitlines() + ["<end> :"]:
            head = re.match(r"^([A-Za-z_][A-Za-z0-9_]*) :", line)
            if head or line == "<end> :":
                if name:
                    docs[name] = " ".join(x.strip() for x in lines).strip()
                name, lines = (head.group(1) if head else None), []
            elif name:
                lines.append(line)
    return docs


def json_schema(root) -> dict:
    """The JSON Schema (2020-12) of what `root.to_dict()` gives: one $defs entry per class, every property with
    the description its class documents. Fields with a default (which to_dict may leave out) are not required.

    Parameters
    ----------
    root : type
        A Jsonable dataclass.

    Returns
    -------
    dict
        The schema: the root's $ref and one $defs entry per class reached (its summary, properties and required
        fields); floats allow null.
    """
    defs: dict[str, dict] = {}

    def ref(cls) -> dict:
        name = cls.__name__
        if name not in defs:
            defs[name] = {}  # reserve (recursive types)
            docs = field_docs(cls)
            props, required = {}, []
            sparse = set(getattr(cls, "SPARSE", ()))
            for f in dataclasses.fields(cls):
                schema = of(_hints(cls)[f.name])
                if f.name in docs:
                    schema = {**schema, "description": docs[f.name]}
                props[f.name] = schema
                has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
                if f.name not in sparse and not has_default:
                    required.append(f.name)
            summary = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
            defs[name] = {"type": "object", "description": summary, "properties": props, "required": required}
        return {"$ref": f"#/$defs/{name}"}

    def of(tp) -> dict:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            return {"anyOf": [of(a) for a in args]}
        if tp is type(None):
            return {"type": "null"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": ["number", "null"]}  # NaN and infinities are written as null
        if tp is str:
            return {"type": "string"}
        if tp is Any or tp is object:
            return {}
        if isinstance(tp, type) and issubclass(tp, Enum):
            return {"enum": [e.value for e in tp]}
        if isinstance(tp, type) and issubclass(tp, Jsonable):
            return ref(tp)
        if origin in (tuple, list):
            item = args[0] if args else Any
            return {"type": "array", "items": of(item)}
        if origin is dict or tp is dict:
            return {"type": "object", "additionalProperties": of(args[1]) if args else {}}
        return {}

    top = ref(root)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **top, "$defs": defs}
