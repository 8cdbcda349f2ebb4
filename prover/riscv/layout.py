"""Column layouts: a table's columns declared once, as named fields, for both its
constraints and its trace generator.

Plonky3 keeps a table's columns in one `#[repr(C)]` struct that the AIR borrows over a
row of expressions and the trace generator over a row of values, so a column cannot mean
one thing to the constraints and another to the witness.  A `Layout` is that struct: an
ordered map from field to one column name or a (nested) list of them.  `bind(get)` gives
the fields as `get(name)`: `air.col` for the constraints, a column of the trace for the
witness, so both sides name a column through the same field.
"""
from __future__ import annotations


def limbs(prefix: str, n: int, first: int = 0) -> list[str]:
    """Column names prefix<first>..prefix<first + n - 1>."""
    return [f"{prefix}{i}" for i in range(first, first + n)]


class Layout:
    """Fields (one column name, or a list or dict of names, possibly nested) in column order."""

    def __init__(self, *parts: dict):
        self.fields: dict = {}
        for part in parts:
            for field, names in part.items():
                if field in self.fields:
                    raise ValueError(f"field {field!r} is declared twice")
                self.fields[field] = names
        self.names = [name for names in self.fields.values() for name in _flat(names)]
        if len(set(self.names)) != len(self.names):
            raise ValueError("a column is declared twice")
        self.index = {name: i for i, name in enumerate(self.names)}

    def bind(self, get) -> Struct:
        """The fields with each column name replaced by get(name), looked up on first use."""
        return Struct(self.fields, get)


class Struct:
    """A layout's fields bound to values (attribute access; see `Layout.bind`)."""

    def __init__(self, fields: dict, get):
        self._fields, self._get = fields, get

    def __getattr__(self, field: str):
        try:
            names = self._fields[field]
        except KeyError:
            raise AttributeError(f"no column field {field!r}") from None
        value = _map(names, self._get)
        setattr(self, field, value)
        return value


def _flat(names):
    if isinstance(names, str):
        yield names
    else:
        for n in (names.values() if isinstance(names, dict) else names):
            yield from _flat(n)


def _map(names, get):
    if isinstance(names, str):
        return get(names)
    if isinstance(names, dict):
        return {k: _map(n, get) for k, n in names.items()}
    return [_map(n, get) for n in names]
