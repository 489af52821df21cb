"""Plain text from a BibTeX field value: its LaTeX and any HTML markup resolved, nothing left that is markup.

A BibTeX value is LaTeX: braces that protect case (``{DNA}``), accent commands (``\\"{u}``, ``\\'e``), escaped
specials (``\\&``), formatting commands (``\\emph{...}``) and math (``$\\alpha$``). Values copied from web pages may
also hold HTML tags and entities (``<i>E. coli</i>``, ``&amp;``). `plain_text` turns all of these into the Unicode
text they stand for, drops the rest of the markup, and removes control and direction-override characters, so what
comes out is plain text for any reader (the report still escapes it).

Conservative where plain-text authors and LaTeX disagree: a bare ``%`` is a per cent sign (not a comment), ``&`` an
ampersand, ``~`` a tie only between two words ("J.~A.") and otherwise a tilde ("~20 years"), and ``$...$`` is math
only when what it encloses holds a LaTeX command, ``^`` or ``_`` (so "$5 and $10" stays as it is). The scanner is
linear and never recurses, so nesting depth cannot exhaust the stack.
"""
from __future__ import annotations

import html
import re
import unicodedata

from ..errors import UNSAFE_CHARS

# accent commands and the combining character each puts on the next letter
ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
           "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323",
           "b": "\u0331", "t": "\u0361"}
# commands that stand for a character or a word (letters, symbols, Greek letters common in medicine)
SYMBOLS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "l": "ł",
    "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ",
    "textendash": "–", "textemdash": "—", "textregistered": "®", "texttrademark": "™", "textcopyright": "©",
    "copyright": "©", "textdegree": "°", "degree": "°", "textmu": "µ", "textless": "<", "textgreater": ">",
    "textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^", "textbar": "|", "textbullet": "•",
    "textperiodcentered": "·", "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“",
    "textquotedblright": "”", "textellipsis": "…", "ldots": "…", "dots": "…", "S": "§", "P": "¶", "dag": "†",
    "ddag": "‡", "pounds": "£", "euro": "€", "pm": "±", "mp": "∓", "times": "×", "div": "÷", "cdot": "·",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "~", "infty": "∞",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "uparrow": "↑", "downarrow": "↓", "prime": "′",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
# commands whose argument is text to keep as it is (their formatting dropped); any other unknown command followed
# by a group is treated the same way
FORMATTING = ("emph", "textit", "textbf", "textsc", "textrm", "textsf", "texttt", "textup", "textsl", "textmd",
              "textnormal", "mathrm", "mathit", "mathbf", "mathsf", "mathtt", "mathcal", "mbox", "hbox", "text",
              "textsuperscript", "textsubscript", "uppercase", "lowercase", "MakeUppercase", "MakeLowercase",
              "NoCaseChange", "url", "nolinkurl", "href")
_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_MATH = re.compile(r"(?<!\\)\$([^$]*)(?<!\\)\$")
_DASHES = (("---", "—"), ("--", "–"))
_QUOTES = (("``", "“"), ("''", "”"))


def plain_text(value: str, dashes: bool = True) -> str:
    """The plain text a BibTeX value stands for.

    Parameters
    ----------
    value : str
        The field's value as read (LaTeX, possibly with HTML tags or entities, possibly with unsafe characters).
    dashes : bool
        Whether ``--`` and ``---`` become an en and an em dash; False: a hyphen (page ranges, "54--8" -> "54-8").

    Returns
    -------
    str
        HTML entities decoded and tags removed; math kept as text (``$\\alpha$`` -> α, ``$^{14}$C`` -> 14C);
        accent and symbol commands as their Unicode characters (NFC); formatting commands and braces dropped with
        their text kept; escaped specials (``\\&``, ``\\%``, ``\\$``, ``\\#``, ``\\_``, ``\\{``, ``\\}``) as the
        character; line breaks and tabs as spaces, and every other control, direction-override or invisible character
        (errors.UNSAFE_CHARS) removed; runs of whitespace made one space, ends stripped.
    """
    text = _unsafe_removed(str(value))
    text = _unsafe_removed(_TAG.sub("", html.unescape(text)))  # an entity may have stood for one
    text = _MATH.sub(_math, text)
    text = _latex(text)
    for chars, glyph in _DASHES:
        text = text.replace(chars, glyph if dashes else "-")
    for chars, glyph in _QUOTES:
        text = text.replace(chars, glyph)
    text = unicodedata.normalize("NFC", text)
    return " ".join(_unsafe_removed(text).split())


def _unsafe_removed(text: str) -> str:
    """Line breaks and tabs made spaces; every other unsafe character (invisible: controls, direction overrides,
    zero-width characters) removed."""
    return UNSAFE_CHARS.sub("", _BREAKS.sub(" ", text))


def _math(m: re.Match) -> str:
    """A $...$ span: its content without ^ and _ when it is math (holds a command, ^ or _), else as it was."""
    inner = m.group(1)
    if not re.search(r"[\\^_]", inner):
        return m.group(0)
    return re.sub(r"(?<!\\)[\^_]", "", inner)


def _latex(text: str) -> str:
    """LaTeX resolved in one left-to-right pass (no recursion)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            i = _command(text, i + 1, out)
        elif c in "{}":
            i += 1
        elif c == "~":
            tie = 0 < i < n - 1 and not text[i - 1].isspace() and not text[i + 1].isspace()
            out.append(" " if tie else "~")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _command(text: str, i: int, out: list[str]) -> int:
    """Resolve the command whose name starts at text[i] (after its backslash); append its text; return where the
    scan goes on."""
    n = len(text)
    c = text[i]
    if c.isalpha():
        j = i
        while j < n and text[j].isalpha():
            j += 1
        name, after = text[i:j], j
        while after < n and text[after] in " \t":  # a control word swallows the spaces after it
            after += 1
        if name in ACCENTS:  # \u{g}, \v c (no letter command is both an accent and a symbol)
            return _accent(text, after, ACCENTS[name], out)
        if name in SYMBOLS:
            out.append(SYMBOLS[name])
            return after + 2 if text.startswith("{}", after) else after
        if name in FORMATTING or text.startswith("{", after):
            return after  # the argument's text follows; its braces are dropped by the scan
        out.append(name)  # an unknown command: its name is kept, so no word silently disappears
        return j
    if c in ACCENTS:
        return _accent(text, i + 1, ACCENTS[c], out)
    if c in "&%$#_{}":
        out.append(c)
    elif c in " ,;:!\\":
        out.append(" ")
    elif c != "-":  # "\-" is a hyphenation hint
        out.append(c)
    return i + 1


def _accent(text: str, i: int, mark: str, out: list[str]) -> int:
    """Put `mark` on the letter at text[i] (after an optional '{' and spaces, or a letter command such as \\i)."""
    n = len(text)
    j = i
    while j < n and text[j] in " {":
        j += 1
    if j >= n:
        return j
    if text[j] == "\\" and j + 1 < n and text[j + 1].isalpha():
        k = j + 1
        while k < n and text[k].isalpha():
            k += 1
        base = SYMBOLS.get(text[j + 1:k])
        if base is None:
            return j  # not a letter: the command is read on its own
        out.append({"ı": "i", "ȷ": "j"}.get(base, base) + mark)
        return k
    out.append(text[j] + mark)
    return j + 1
