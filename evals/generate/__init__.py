"""Deterministic generator of the project's incident cases (`python -m evals.generate`).

Each module in `evals.generate.cases` defines `CASES`, a list of `Case` specs for one
service family; `all_cases()` collects them in a stable order.
"""

from __future__ import annotations

import importlib
import pkgutil

from evals.generate.spec import Case


def all_cases() -> list[Case]:
    from evals.generate import cases as pkg

    found: list[Case] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        found.extend(module.CASES)
    ids = [c.id for c in found]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate case ids: {sorted(dupes)}")
    return sorted(found, key=lambda c: c.id)


def get_case(case_id: str) -> Case:
    for case in all_cases():
        if case.id == case_id:
            return case
    raise KeyError(case_id)


__all__ = ["Case", "all_cases", "get_case"]
