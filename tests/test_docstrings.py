"""Every public function and method in meta/ and figures/ has a numpydoc docstring: a summary, a "Parameters"
section naming exactly the signature's parameters, and a "Returns" (or "Yields") section when it returns a value.

Public: the name does not start with "_", and the function is defined at module level or as a method of a public
class (itself at module level or inside a public class); dunder methods are skipped. Read with `ast`, so nothing is
imported.
"""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("meta", "figures")
UNDERLINE = re.compile(r"^-{3,}$")


def public_functions(tree: ast.Module):
    """(function node, is_method) for every public function and method of a module."""

    def in_body(body, in_class: bool):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not node.name.startswith("_"):
                    yield node, in_class
            elif isinstance(node, ast.ClassDef):
                if not node.name.startswith("_"):
                    yield from in_body(node.body, True)
            elif isinstance(node, ast.If):  # e.g. a definition under `if sys.version_info ...`
                yield from in_body(node.body + node.orelse, in_class)
            elif isinstance(node, ast.Try):
                yield from in_body(node.body + node.orelse + node.finalbody, in_class)
                for handler in node.handlers:
                    yield from in_body(handler.body, in_class)

    yield from in_body(tree.body, False)


def signature_names(node, is_method: bool) -> list[str]:
    """The parameter names a docstring must list: self/cls left out, *args and **kwargs with their stars."""
    a = node.args
    positional = [p.arg for p in a.posonlyargs + a.args]
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    if is_method and not static and positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    names = positional
    if a.vararg:
        names.append("*" + a.vararg.arg)
    names += [p.arg for p in a.kwonlyargs]
    if a.kwarg:
        names.append("**" + a.kwarg.arg)
    return names


def sections(doc: str) -> dict[str, list[str]]:
    """A cleaned docstring's sections: title -> the lines under its underline (up to the next section)."""
    lines = inspect.cleandoc(doc).splitlines()
    found: dict[str, list[str]] = {}
    current = None
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i].strip() and UNDERLINE.match(lines[i + 1].strip()) \
                and not lines[i].startswith(" "):
            current = lines[i].strip()
            found[current] = []
            i += 2
            continue
        if current is not None:
            found[current].append(lines[i])
        i += 1
    return found


def documented_names(section: list[str]) -> list[str]:
    """The parameter names a Parameters section lists: the unindented lines, `name : type` or `name`, where
    `a, b : float` names two."""
    names = []
    for line in section:
        if not line.strip() or line.startswith((" ", "\t")):
            continue
        head = line.split(" : ", 1)[0].rstrip(" :")
        names += [n.strip() for n in head.split(",") if n.strip()]
    return names


def returns_a_value(node) -> bool:
    """Whether the function's own body (not a nested function's) has `return <value>`, `yield` or `yield from`."""

    def walk(n):
        for child in ast.iter_child_nodes(n):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(child, ast.Return) and child.value is not None:
                return True
            if isinstance(child, (ast.Yield, ast.YieldFrom)):
                return True
            if walk(child):
                return True
        return False

    return walk(node)


def annotated_none(node) -> bool:
    r = node.returns
    return isinstance(r, ast.Constant) and r.value in (None, "None")


def problems_of(node, is_method: bool) -> list[str]:
    doc = ast.get_docstring(node, clean=False)
    if not doc or not doc.strip():
        return ["no docstring"]
    found = sections(doc)
    out = []
    names = signature_names(node, is_method)
    if names:
        if "Parameters" not in found:
            out.append("no Parameters section")
        else:
            listed = documented_names(found["Parameters"])
            strip = [n.lstrip("*") for n in names]
            want = [n.lstrip("*") for n in listed]
            if want != strip:
                missing = [n for n in names if n.lstrip("*") not in want]
                extra = [n for n in listed if n.lstrip("*") not in strip]
                if missing or extra:
                    out.append(f"Parameters section: missing {missing}, not in the signature {extra}")
                else:
                    out.append(f"Parameters section lists {listed}, the signature has {names}")
    if not annotated_none(node) and returns_a_value(node) and not ({"Returns", "Yields"} & found.keys()):
        out.append("no Returns/Yields section")
    return out


def offenders() -> tuple[int, list[str]]:
    count, bad = 0, []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node, is_method in public_functions(tree):
                count += 1
                for problem in problems_of(node, is_method):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {problem}")
    return count, bad


def test_the_walk_finds_the_public_functions():
    count, _ = offenders()
    assert count > 200, count  # a walk that finds nothing would pass the test below


def test_every_public_function_has_a_numpydoc_docstring():
    count, bad = offenders()
    assert not bad, f"{len(bad)} problems in {count} public functions:\n" + "\n".join(bad)


def test_the_checks_catch_what_they_should():
    src = '''
def f(a, b, *args, c=1, **kw):
    """Summary.

    Parameters
    ----------
    a, b : float
        Two.
    *args
        More.
    c : int
    **kw
        Options.

    Returns
    -------
    float
    """
    return a

def g(a):
    """Summary.

    Parameters
    ----------
    b : int
    """
    return a

def h(x) -> None:
    """Summary.

    Parameters
    ----------
    x : int
    """

class C:
    def m(self, y):
        return y
    def _private(self):
        pass
    def __repr__(self):
        return ""

class _Hidden:
    def m(self):
        pass
'''
    found = {n.name: problems_of(n, m) for n, m in public_functions(ast.parse(src))}
    assert found["f"] == []
    assert found["g"] == ["Parameters section: missing ['a'], not in the signature ['b']", "no Returns/Yields section"]
    assert found["h"] == []
    assert found["m"] == ["no docstring"]
    assert set(found) == {"f", "g", "h", "m"}
