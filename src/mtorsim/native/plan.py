"""A regimen lowered for a batch: one :class:`DosingPlan` plus the drug of each event,
so that each run can scale each drug's doses by its own factor."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..compiled import CompiledModel
from ..dosing import SET_PARAMETER, DosingPlan, Regimen

__all__ = ["plan_by_drug"]


def plan_by_drug(
    regimen: Regimen, compiled: CompiledModel, drugs: tuple[str, ...], *,
    body_weight: Any = None, body_surface_area: Any = None,
) -> tuple[DosingPlan, NDArray[np.int64]]:
    """Lower ``regimen`` and return ``(plan, event_drug)``.

    ``event_drug[k]`` is the position in ``drugs`` of the drug that event ``k``
    doses (-1 for a drug not in ``drugs``, whose events are never scaled).  The
    plan equals ``regimen.lower(compiled)`` up to the order of simultaneous events
    of different drugs, which touch different states and parameters.

    Raises
    ------
    ScheduleError
        As :meth:`Regimen.lower`.
    """
    parts = []
    for drug in regimen.drugs:
        sub = Regimen(tuple(d for d in regimen.doses if d.drug == drug))
        plan = sub.lower(compiled, body_weight=body_weight, body_surface_area=body_surface_area)
        code = drugs.index(drug) if drug in drugs else -1
        parts.append((plan, code))
    if not parts:
        return DosingPlan.empty(), np.zeros(0, dtype=np.int64)
    times = np.concatenate([pl.times for pl, _ in parts])
    kind = np.concatenate([pl.kind for pl, _ in parts])
    index = np.concatenate([pl.index for pl, _ in parts])
    value = np.concatenate([pl.value for pl, _ in parts])
    mul = np.concatenate([pl.mul_index for pl, _ in parts])
    div = np.concatenate([pl.div_index for pl, _ in parts])
    drug_of = np.concatenate([np.full(len(pl), code, dtype=np.int64) for pl, code in parts])
    labels = sum((pl.labels for pl, _ in parts), ())
    # by time; at equal times an infusion end (value 0) before a start, as Regimen.lower orders them
    ends_first = np.where((kind == SET_PARAMETER) & (value == 0.0), 0, 1)
    order = np.lexsort((np.arange(len(times)), ends_first, times))
    plan = DosingPlan(times[order], kind[order], index[order], value[order], mul[order], div[order],
                      tuple(labels[i] for i in order))
    return plan, drug_of[order]
