"""A covering index that says nothing on databases without covering indexes.

Django warns (``models.W040``) about every index with ``include=`` on a database that
cannot cover, SQLite among them, at every ``check`` and ``migrate``: on the embedded default
the warning would be printed forever for columns that are only a speed-up elsewhere.
``CoveringIndex`` keeps its covering columns out of ``include`` (what the check reads) and
gives them back wherever the index is made or written down: it creates its SQL and
deconstructs as a plain ``django.db.models.Index`` with ``include``, so migrations hold an
ordinary index, PostgreSQL builds it covering and SQLite builds it without the extra columns
as before.
"""

from __future__ import annotations

from django.db import models


class CoveringIndex(models.Index):
    def __init__(self, *args, include=None, **kwargs) -> None:
        if include and not kwargs.get("name"):
            raise ValueError("A covering index must be named.")
        super().__init__(*args, **kwargs)
        self.covering = tuple(include or ())

    def _as_index(self) -> models.Index:
        _path, args, kwargs = self.deconstruct()
        return models.Index(*args, **kwargs)

    def deconstruct(self):
        _path, args, kwargs = super().deconstruct()
        if self.covering:
            kwargs["include"] = self.covering
        return "django.db.models.Index", args, kwargs

    def create_sql(self, model, schema_editor, using="", **kwargs):
        return self._as_index().create_sql(model, schema_editor, using=using, **kwargs)

    def __eq__(self, other):
        if isinstance(other, models.Index):
            return self.deconstruct() == other.deconstruct()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"<CoveringIndex: {self._as_index()!r} include={self.covering!r}>"
