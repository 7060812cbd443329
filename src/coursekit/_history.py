"""``History``: the one record of an iterative run, whatever the model.

Every training loop of the course (``nn.train``, ``rbm.train_rbm``, ``ica.infomax``) returns or
carries a :class:`History`: one list per recorded quantity, appended once per epoch, read as an
attribute (``history.loss``, ``history.log_likelihood``), plus the wall time. A quantity that was
not recorded in a run (validation loss without validation data) is an empty list, never missing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["History"]


class History:
    """Per-epoch records of an iterative run: ``History("loss", "val_loss")`` starts an empty list for
    each name; ``record(loss=0.3)`` appends; ``history.loss`` reads; ``seconds`` is the wall time.

    ``epochs`` is the number of entries of the first quantity (the one recorded every epoch).
    """

    def __init__(self, *names: str, seconds: float = 0.0):
        if not names:
            raise ValueError("a History needs the names of the quantities it records")
        for name in names:
            if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
                raise ValueError(f"a History quantity must be a public identifier; got {name!r}")
        self.__dict__["_records"] = {name: [] for name in names}
        self.seconds = float(seconds)

    def __getattr__(self, name: str) -> list:
        records = self.__dict__.get("_records", {})
        if name in records:
            return records[name]
        raise AttributeError(f"this History records {', '.join(records)}; not {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__.get("_records", {}):
            raise AttributeError(f"use record({name}=...) to add to {name!r}")
        super().__setattr__(name, value)

    def record(self, **values: Any) -> None:
        """Append one value to each named quantity (the others are left as they are)."""
        for name, value in values.items():
            if name not in self._records:
                raise KeyError(f"this History records {', '.join(self._records)}; not {name!r}")
            self._records[name].append(value)

    @property
    def names(self) -> tuple[str, ...]:
        """The recorded quantities, in order."""
        return tuple(self._records)

    @property
    def epochs(self) -> int:
        """How many epochs were recorded (entries of the first quantity)."""
        return len(next(iter(self._records.values())))

    def __repr__(self) -> str:
        parts = ", ".join(f"{name}=[{len(values)} values]" for name, values in self._records.items())
        return f"History({parts}, seconds={self.seconds:.3g})"
