"""Pydantic's validation errors in French, for the people who read them (API clients, the CLI).

Pydantic words its messages in English; its error ``type`` (``missing``, ``string_too_short``, …)
and ``ctx`` are stable, so the sentence is chosen from those. Our own validators already raise
French ``ValueError``s, which are kept as written. A type without a sentence here is still named,
so nothing is hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

_INTEGER = "un nombre entier est attendu"
_NUMBER = "un nombre est attendu"
_BOOLEAN = "un booléen est attendu (true ou false)"
_DATE = "une date AAAA-MM-JJ valide est attendue"
_DATETIME = "une date et heure ISO 8601 valide est attendue"
_OBJECT = "un objet JSON est attendu"
_URL = "une URL valide est attendue"

#: One French phrase per pydantic error type (formatted with the error's ``ctx``).
_MESSAGES: dict[str, str] = {
    "missing": "champ obligatoire absent",
    "extra_forbidden": "champ inconnu",
    "string_type": "une chaîne de caractères est attendue",
    "string_too_long": "trop long (au plus {max_length} caractères)",
    "string_pattern_mismatch": "format non reconnu (motif attendu : {pattern})",
    "string_unicode": "texte Unicode invalide",
    "int_type": _INTEGER,
    "int_parsing": _INTEGER,
    "int_from_float": _INTEGER,
    "int_parsing_size": "nombre entier hors des limites",
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "finite_number": "un nombre fini est attendu",
    "bool_type": _BOOLEAN,
    "bool_parsing": _BOOLEAN,
    "greater_than": "doit être strictement supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être strictement inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "multiple_of": "doit être un multiple de {multiple_of}",
    "too_long": "trop d'éléments (au plus {max_length})",
    "list_type": "une liste est attendue",
    "tuple_type": "une liste est attendue",
    "set_type": "une liste est attendue",
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "url_type": _URL,
    "url_parsing": _URL,
    "url_scheme": "schéma d'URL non accepté (attendu : {expected_schemes})",
    "path_type": "un chemin de fichier est attendu",
}


def _or(expected: object) -> str:
    """Pydantic lists the accepted values as ``'a', 'b' or 'c'``."""
    return str(expected).replace(" or ", " ou ")


def message(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) as a French phrase."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):  # our validators' own (French) words
        return str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("literal_error", "enum"):
        return f"valeur non reconnue (attendu : {_or(ctx.get('expected', '?'))})"
    if kind == "json_invalid":  # its place is the character where parsing stopped
        at = [p for p in error.get("loc", ()) if isinstance(p, int)]
        return f"JSON illisible (caractère {at[-1]})" if at else "JSON illisible"
    if kind in ("string_too_short", "too_short"):
        least = int(ctx.get("min_length", 1))
        if kind == "string_too_short":
            return "ne doit pas être vide" if least == 1 else f"au moins {least} caractères attendus"
        return f"au moins {least} élément{'s' if least > 1 else ''} attendu{'s' if least > 1 else ''}"
    template = _MESSAGES.get(kind)
    if template is None:
        return f"valeur refusée ({kind or 'erreur inconnue'})"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template


def where(loc: Iterable[object], *, skip: Iterable[str] = ()) -> str:
    """The dotted place of an error (``history.0.role``), without the leading parts in ``skip``."""
    parts = [str(p) for p in loc]
    skipped = set(skip)
    while parts and parts[0] in skipped:
        parts.pop(0)
    return ".".join(parts)


def describe(
    errors: Iterable[Mapping[str, Any]],
    *,
    place: Callable[[Mapping[str, Any]], str],
    separator: str = " ; ",
) -> str:
    """Every error as ``<place> : <phrase>``, joined (``place`` names where each error is)."""
    return separator.join(f"{place(e)} : {message(e)}" for e in errors)
