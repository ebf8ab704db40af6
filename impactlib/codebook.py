"""The versioned impact codebook (YAML) and its validation.

A codebook holds the three impact dimensions of DESIGN.md (``valence``,
``intentionality``, ``directness``), each with two values, plus any number of
user-defined *theme* codes.  Every code carries a Dutch label and definition
(the coding rule), examples, lexicon ``patterns`` for the tagger, an ``owner``
("who decides what is measured") and a colour-blind-safe colour.

Pattern syntax
--------------
* a string: a word or phrase matched on lowercased lemmas (``"eenzaam"`` also
  finds ``"eenzame"``);
* ``{regex: "..."}``: a regular expression matched (``re.search``, case
  insensitive) on the text of a single token;
* ``{phrase: "..."}``: the same as a plain string (explicit form).

A user codebook without a ``dimensions`` section inherits the dimensions of the
packaged default codebook, so a file with only ``name``, ``version`` and
``themes`` is enough to add theme codes.

Examples
--------
>>> cb = load_codebook()
>>> cb.label("valence", "positive")
'positief'
>>> list(cb.dimensions)
['valence', 'intentionality', 'directness']
>>> cb.check("directness", "indirect")
'indirect'
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from impactlib.errors import CodebookError

#: The impact dimensions and their allowed values, in display order.
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "valence": ("positive", "negative"),
    "intentionality": ("intended", "unintended"),
    "directness": ("direct", "indirect"),
}

#: Default Dutch labels of the dimension values (used when a codebook omits them).
DEFAULT_LABELS: dict[str, str] = {
    "positive": "positief",
    "negative": "negatief",
    "intended": "bedoeld",
    "unintended": "onbedoeld",
    "direct": "direct",
    "indirect": "indirect",
}

#: Default owners ("wie bepaalt wat er gemeten wordt").
DEFAULT_OWNERS: tuple[str, ...] = ("onderzoekers", "gemeente", "professionals", "bewoners")

#: Okabe-Ito colour-blind-safe palette, used for codes without a colour.
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)

THEME = "theme"
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_KEY_RE = re.compile(r"^[A-Za-z0-9_\-]+$")
_CODE_KEYS = {"label", "definition", "examples", "patterns", "owner", "color"}
_DIM_KEYS = {"label", "definition", "owner", "values"}
_TOP_KEYS = {"name", "version", "description", "owners", "dimensions", "themes"}


@dataclass(frozen=True)
class Code:
    """One code: a dimension value or a theme.

    Attributes
    ----------
    key : str
        Stored key (English for dimension values, e.g. ``"positive"``).
    label : str
        Dutch display label.
    definition : str
        Dutch definition (the coding rule).
    examples : list of str
        Example sentences.
    patterns : list
        Lexicon patterns: strings (lemma phrases) or ``{"regex": ...}`` mappings.
    owner : str
        Who decides what is measured (e.g. ``"onderzoekers"``).
    color : str
        ``#RRGGBB``.
    """

    key: str
    label: str
    definition: str = ""
    examples: list[str] = field(default_factory=list)
    patterns: list[Any] = field(default_factory=list)
    owner: str = "onderzoekers"
    color: str = "#000000"

    def phrases(self) -> list[str]:
        """Return the lemma-phrase patterns (plain strings and ``phrase`` mappings)."""
        out = []
        for p in self.patterns:
            if isinstance(p, str):
                out.append(p)
            elif "phrase" in p:
                out.append(p["phrase"])
        return out

    def regexes(self) -> list[str]:
        """Return the token-regex patterns."""
        return [p["regex"] for p in self.patterns if isinstance(p, Mapping) and "regex" in p]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "definition": self.definition,
            "examples": list(self.examples),
            "patterns": [dict(p) if isinstance(p, Mapping) else p for p in self.patterns],
            "owner": self.owner,
            "color": self.color,
        }


@dataclass(frozen=True)
class Dimension:
    """One impact dimension with its values (``values``: key -> :class:`Code`)."""

    name: str
    label: str
    definition: str
    owner: str
    values: dict[str, Code]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "definition": self.definition,
            "owner": self.owner,
            "values": {k: c.to_dict() for k, c in self.values.items()},
        }


class Codebook:
    """A validated, versioned codebook.

    Use :func:`load_codebook` to read one.

    Attributes
    ----------
    name, version, description : str
    owners : tuple of str
        Allowed owners.
    dimensions : dict
        Ordered ``name -> Dimension`` (valence, intentionality, directness).
    themes : dict
        ``key -> Code`` (user-defined theme codes).
    source : str
        File name the codebook came from (for messages).
    """

    def __init__(
        self,
        name: str,
        version: str,
        dimensions: dict[str, Dimension],
        themes: dict[str, Code],
        *,
        description: str = "",
        owners: tuple[str, ...] = DEFAULT_OWNERS,
        source: str = "codebook.yaml",
    ) -> None:
        self.name = name
        self.version = version
        self.dimensions = dimensions
        self.themes = themes
        self.description = description
        self.owners = owners
        self.source = source

    def __repr__(self) -> str:
        return (
            f"Codebook(name={self.name!r}, version={self.version!r}, "
            f"dimensions={list(self.dimensions)}, themes={list(self.themes)})"
        )

    # -- look-ups ---------------------------------------------------------------
    def _values(self, dimension: str) -> dict[str, Code]:
        if dimension == THEME:
            return self.themes
        if dimension not in self.dimensions:
            allowed = ", ".join([*self.dimensions, THEME])
            raise CodebookError(
                f"{self.source}: unknown dimension {dimension!r}; allowed: {allowed}"
            )
        return self.dimensions[dimension].values

    def check(self, dimension: str, value: str) -> str:
        """Return ``value`` if it is a key of ``dimension``, else raise :class:`CodebookError`.

        ``dimension`` may also be ``"theme"`` (the theme codes).  The message names the
        entry and lists the allowed values; a Dutch label given instead of a key is named.

        Examples
        --------
        >>> load_codebook().check("valence", "positief")
        Traceback (most recent call last):
        ...
        impactlib.errors.CodebookError: codebook.yaml: dimensions.valence: 'positief' is not a value of 'valence'; allowed: positive, negative ('positief' is the label of 'positive'; store the key)
        """
        values = self._values(dimension)
        if value in values:
            return value
        entry = "themes" if dimension == THEME else f"dimensions.{dimension}"
        hint = ""
        for k, c in values.items():
            if isinstance(value, str) and c.label.lower() == value.strip().lower():
                hint = f" ({value!r} is the label of {k!r}; store the key)"
        raise CodebookError(
            f"{self.source}: {entry}: {value!r} is not a value of {dimension!r}; "
            f"allowed: {', '.join(values)}{hint}"
        )

    def resolve(self, dimension: str, value: str) -> str:
        """Return the key for a key or (case-insensitive) Dutch label; raise if neither."""
        values = self._values(dimension)
        if value in values:
            return value
        v = str(value).strip().lower()
        for k, c in values.items():
            if k.lower() == v or c.label.lower() == v:
                return k
        return self.check(dimension, value)

    def label(self, dimension: str, value: str) -> str:
        """Dutch display label of a value (``label("valence", "negative") == "negatief"``)."""
        return self._values(dimension)[self.check(dimension, value)].label

    def code(self, dimension: str, value: str) -> Code:
        """The :class:`Code` of a dimension value or theme."""
        return self._values(dimension)[self.check(dimension, value)]

    def iter_codes(self) -> Iterator[tuple[str, Code]]:
        """Yield ``(dimension, Code)`` for every dimension value, then ``("theme", Code)``."""
        for dim in self.dimensions.values():
            for code in dim.values.values():
                yield dim.name, code
        for code in self.themes.values():
            yield THEME, code

    # -- serialisation ------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain (YAML/JSON-serialisable) dict; ``load`` of it gives an equal codebook."""
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "owners": list(self.owners),
            "dimensions": {n: d.to_dict() for n, d in self.dimensions.items()},
            "themes": {k: c.to_dict() for k, c in self.themes.items()},
        }

    def to_yaml(self, path: str | Path | None = None) -> str:
        """Return the codebook as YAML text; also write it to ``path`` when given."""
        text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the codebook's content, independent of YAML layout."""
        blob = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Codebook) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


# ---------------------------------------------------------------------------
# loading and validation
# ---------------------------------------------------------------------------
def _default_path():
    return resources.files("impactlib") / "data" / "codebook.yaml"


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook YAML file.

    Parameters
    ----------
    path : str or Path, optional
        The YAML file; ``None`` loads the packaged default
        (``impactlib/data/codebook.yaml``).

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        When the file is missing, not YAML, or invalid; the message names the file and
        the entry (e.g. ``codebook.yaml: themes.stigma.patterns[2]: ...``).

    Examples
    --------
    >>> cb = load_codebook()
    >>> cb.version
    '1.0.0'
    """
    if path is None:
        res = _default_path()
        text = res.read_text(encoding="utf-8")
        source = "codebook.yaml"
    else:
        p = Path(path)
        source = p.name
        if not p.is_file():
            raise CodebookError(f"{p}: codebook file not found; check the path")
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CodebookError(
                f"{source}: not a UTF-8 text file (byte {exc.start}); save the codebook as UTF-8 YAML"
            ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise CodebookError(f"{where}: invalid YAML ({problem}); fix the syntax") from None
    return codebook_from_dict(data, source=source)


_DEFAULT_CACHE: dict[str, Codebook] = {}


def default_codebook() -> Codebook:
    """The packaged default codebook (parsed once per process)."""
    if "default" not in _DEFAULT_CACHE:
        _DEFAULT_CACHE["default"] = load_codebook(None)
    return _DEFAULT_CACHE["default"]


def codebook_from_dict(data: Any, *, source: str = "codebook.yaml") -> Codebook:
    """Validate a parsed codebook mapping and build a :class:`Codebook`.

    Raises :class:`CodebookError` naming the first invalid entry.
    """
    if not isinstance(data, Mapping):
        raise CodebookError(
            f"{source}: a codebook must be a YAML mapping with 'name', 'version' and "
            f"'dimensions' and/or 'themes'; got {type(data).__name__}"
        )
    unknown = set(map(str, data)) - _TOP_KEYS
    if unknown:
        raise CodebookError(
            f"{source}: unknown top-level key(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(_TOP_KEYS))}"
        )
    version = data.get("version")
    if version is None or (isinstance(version, str) and not version.strip()):
        raise CodebookError(
            f"{source}: version: missing; add e.g. version: \"1.0.0\" so every code records "
            "which codebook it was made with"
        )
    if not isinstance(version, (str, int, float)) or isinstance(version, bool):
        raise CodebookError(f"{source}: version: {version!r} must be a string like \"1.0.0\"")
    name = data.get("name") or Path(source).stem
    if not isinstance(name, str):
        raise CodebookError(f"{source}: name: {name!r} must be a string")
    description = data.get("description") or ""
    owners_raw = data.get("owners", list(DEFAULT_OWNERS))
    if not isinstance(owners_raw, list) or not owners_raw or not all(
        isinstance(o, str) and o.strip() for o in owners_raw
    ):
        raise CodebookError(f"{source}: owners: must be a non-empty list of names, got {owners_raw!r}")
    owners = tuple(o.strip() for o in owners_raw)

    colors = iter(OKABE_ITO * 1000)
    if "dimensions" in data and data["dimensions"] is not None:
        dims_raw = data["dimensions"]
        if not isinstance(dims_raw, Mapping):
            raise CodebookError(f"{source}: dimensions: must be a mapping of dimension name to entry")
        for dname in dims_raw:
            if dname not in DIMENSIONS:
                raise CodebookError(
                    f"{source}: dimensions.{dname}: unknown dimension {dname!r}; "
                    f"allowed: {', '.join(DIMENSIONS)} (put other codes under 'themes')"
                )
        dimensions: dict[str, Dimension] = {}
        for dname, allowed in DIMENSIONS.items():
            if dname not in dims_raw:
                raise CodebookError(
                    f"{source}: dimensions: dimension {dname!r} is missing; a codebook with "
                    f"'dimensions' needs all of {', '.join(DIMENSIONS)} (or leave 'dimensions' "
                    "out to use the default ones)"
                )
            dimensions[dname] = _dimension(dname, dims_raw[dname], allowed, owners, source, colors)
    else:
        base = default_codebook()
        dimensions = base.dimensions
        if not set(d.owner for d in dimensions.values()) <= set(owners) or not all(
            c.owner in owners for d in dimensions.values() for c in d.values.values()
        ):
            owners = tuple(dict.fromkeys([*owners, *base.owners]))

    themes_raw = data.get("themes") or {}
    if not isinstance(themes_raw, Mapping):
        raise CodebookError(f"{source}: themes: must be a mapping of theme key to entry")
    themes: dict[str, Code] = {}
    for key, entry in themes_raw.items():
        key = str(key)
        if not _KEY_RE.match(key):
            raise CodebookError(
                f"{source}: themes.{key}: key may only hold letters, digits, '_' and '-' "
                "(use the 'label' for the display name)"
            )
        themes[key] = _code(key, entry, f"themes.{key}", owners, source, colors, default_label=key)
    return Codebook(
        name=name,
        version=str(version),
        dimensions=dimensions,
        themes=themes,
        description=str(description).strip(),
        owners=owners,
        source=source,
    )


def _dimension(name, raw, allowed, owners, source, colors) -> Dimension:
    entry = f"dimensions.{name}"
    if not isinstance(raw, Mapping):
        raise CodebookError(f"{source}: {entry}: must be a mapping with 'label', 'definition', 'values'")
    unknown = set(map(str, raw)) - _DIM_KEYS
    if unknown:
        raise CodebookError(
            f"{source}: {entry}: unknown key(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(_DIM_KEYS))}"
        )
    values_raw = raw.get("values")
    if not isinstance(values_raw, Mapping):
        raise CodebookError(f"{source}: {entry}.values: missing; list the values {', '.join(allowed)}")
    for v in values_raw:
        if v not in allowed:
            raise CodebookError(
                f"{source}: {entry}.values.{v}: unknown value {v!r} for {name!r}; "
                f"allowed: {', '.join(allowed)}"
            )
    values: dict[str, Code] = {}
    for v in allowed:
        if v not in values_raw:
            raise CodebookError(f"{source}: {entry}.values: value {v!r} is missing; needed: {', '.join(allowed)}")
        values[v] = _code(v, values_raw[v] or {}, f"{entry}.values.{v}", owners, source, colors,
                          default_label=DEFAULT_LABELS[v])
    owner = _owner(raw.get("owner", "onderzoekers"), f"{entry}.owner", owners, source)
    return Dimension(
        name=name,
        label=str(raw.get("label") or name),
        definition=str(raw.get("definition") or "").strip(),
        owner=owner,
        values=values,
    )


def _owner(value, entry, owners, source) -> str:
    if not isinstance(value, str) or value.strip() not in owners:
        raise CodebookError(
            f"{source}: {entry}: {value!r} is not a known owner; allowed: {', '.join(owners)} "
            "(add it to 'owners' at the top of the codebook)"
        )
    return value.strip()


def _code(key, raw, entry, owners, source, colors, *, default_label) -> Code:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise CodebookError(f"{source}: {entry}: must be a mapping with label, definition, patterns, ...")
    unknown = set(map(str, raw)) - _CODE_KEYS
    if unknown:
        raise CodebookError(
            f"{source}: {entry}: unknown key(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(_CODE_KEYS))}"
        )
    label = raw.get("label", default_label)
    if not isinstance(label, str) or not label.strip():
        raise CodebookError(f"{source}: {entry}.label: {label!r} must be a non-empty text")
    examples = raw.get("examples") or []
    if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
        raise CodebookError(f"{source}: {entry}.examples: must be a list of texts")
    patterns_raw = raw.get("patterns") or []
    if not isinstance(patterns_raw, list):
        raise CodebookError(f"{source}: {entry}.patterns: must be a list of patterns, got {type(patterns_raw).__name__}")
    patterns: list[Any] = []
    for i, p in enumerate(patterns_raw):
        patterns.append(_pattern(p, f"{entry}.patterns[{i}]", source))
    color = raw.get("color")
    if color is None:
        color = next(colors)
    if not isinstance(color, str) or not _COLOR_RE.match(color):
        raise CodebookError(f"{source}: {entry}.color: {color!r} is not a colour; use '#RRGGBB'")
    owner = _owner(raw.get("owner", "onderzoekers"), f"{entry}.owner", owners, source)
    return Code(
        key=key,
        label=label.strip(),
        definition=str(raw.get("definition") or "").strip(),
        examples=list(examples),
        patterns=patterns,
        owner=owner,
        color=color.upper(),
    )


def _pattern(p: Any, entry: str, source: str) -> Any:
    if isinstance(p, bool) or p is None:
        raise CodebookError(
            f"{source}: {entry}: {p!r} is not a pattern; use a word/phrase or {{regex: \"...\"}}"
        )
    if isinstance(p, (int, float)):
        p = str(p)
    if isinstance(p, str):
        if not p.strip():
            raise CodebookError(f"{source}: {entry}: empty pattern; remove it or give a word")
        return p.strip()
    if isinstance(p, Mapping):
        keys = list(p)
        if len(keys) != 1 or keys[0] not in ("regex", "phrase"):
            raise CodebookError(
                f"{source}: {entry}: a pattern mapping needs exactly one key 'regex' or 'phrase', "
                f"got {', '.join(map(str, keys)) or 'none'}"
            )
        k = keys[0]
        v = p[k]
        if not isinstance(v, str) or not v.strip():
            raise CodebookError(f"{source}: {entry}.{k}: {v!r} must be a non-empty text")
        if k == "regex":
            try:
                re.compile(v)
            except re.error as exc:
                raise CodebookError(
                    f"{source}: {entry}: bad regex {v!r}: {exc}; fix the regular expression"
                ) from None
            return {"regex": v}
        return {"phrase": v.strip()}
    raise CodebookError(
        f"{source}: {entry}: {p!r} is not a pattern ({type(p).__name__}); "
        "use a word/phrase or {regex: \"...\"}"
    )


__all__ = [
    "Code",
    "Codebook",
    "Dimension",
    "DIMENSIONS",
    "DEFAULT_LABELS",
    "DEFAULT_OWNERS",
    "OKABE_ITO",
    "THEME",
    "codebook_from_dict",
    "default_codebook",
    "load_codebook",
]
