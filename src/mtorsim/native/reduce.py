"""Metric reductions of one run's output samples, as :func:`mtorsim.metrics.evaluate` defines them.

Each run keeps only the output columns its metrics read, on the output grid,
in a per-run buffer of shape ``(n_times, n_columns)``; these functions reduce a
column to one number with the same formulas (window end points interpolated,
right-continuous at a sample, trapezoid areas, linear threshold crossings) as
the reference, so a batch needs no trajectory storage.  Plain loops, no
allocation: they compile with ``numba.njit`` and as CUDA device functions.

Metric kinds are the integer values of :class:`mtorsim.metrics.MetricKind`.
"""

from __future__ import annotations

import math

K_AUC = 0
K_MEAN = 1
K_MAX = 2
K_MIN = 3
K_TMAX = 4
K_TMIN = 5
K_VALUE_AT = 6
K_TIME_ABOVE = 7
K_TIME_BELOW = 8


def _value(buf, j, col, base, relative):
    x = buf[j, col]
    if relative:
        return x / base
    return x


def _last_at_or_before(t, tq, nt):
    """Largest index with ``t[j] <= tq`` (-1 if none)."""
    j = -1
    for i in range(nt):
        if t[i] <= tq:
            j = i
        else:
            break
    return j


def _sample_or_interp(t, buf, col, base, relative, tq, nt, right):
    """Value at ``tq``: the sample there (last one if ``right``, else first) or a linear interpolation."""
    j = _last_at_or_before(t, tq, nt)
    if j >= 0 and t[j] == tq:
        if not right:
            while j > 0 and t[j - 1] == tq:
                j -= 1
        return _value(buf, j, col, base, relative)
    if j < 0:
        return _value(buf, 0, col, base, relative)
    if j >= nt - 1:
        return _value(buf, nt - 1, col, base, relative)
    x0 = _value(buf, j, col, base, relative)
    x1 = _value(buf, j + 1, col, base, relative)
    return x0 + (x1 - x0) * (tq - t[j]) / (t[j + 1] - t[j])


def _crossing_time(t0, t1, x0, x1, threshold, above):
    """Time with x above (or below) ``threshold`` on one linear piece."""
    a = x0 - threshold
    b = x1 - threshold
    if not above:
        a = -a
        b = -b
    if a > 0 and b > 0:
        return t1 - t0
    if (a > 0 >= b) or (b > 0 >= a):
        frac = a / (a - b)
        if a > 0:
            return (t1 - t0) * frac
        return (t1 - t0) * (1.0 - frac)
    return 0.0


def metric_value(kind, t, buf, col, nt, start, end, time, threshold, relative):
    """One metric of column ``col`` of ``buf`` sampled at times ``t[:nt]``."""
    base = 1.0
    if relative:
        base = buf[0, col]
        if base == 0.0:
            return math.nan
    if kind == K_VALUE_AT:
        return _sample_or_interp(t, buf, col, base, relative, time, nt, True)
    a = max(start, t[0])
    b = min(end, t[nt - 1])
    xa = _sample_or_interp(t, buf, col, base, relative, a, nt, True)
    xb = _sample_or_interp(t, buf, col, base, relative, b, nt, False)
    area = 0.0
    best = xa
    tbest = a
    above = kind == K_TIME_ABOVE
    t_prev = a
    x_prev = xa
    for j in range(nt + 1):
        if j < nt:
            tj = t[j]
            if not (tj > a and tj < b):
                continue
            xj = _value(buf, j, col, base, relative)
        else:
            tj = b
            xj = xb
        if kind == K_AUC or kind == K_MEAN:
            area += 0.5 * (x_prev + xj) * (tj - t_prev)
        elif kind == K_MAX or kind == K_TMAX:
            if xj > best:
                best = xj
                tbest = tj
        elif kind == K_MIN or kind == K_TMIN:
            if xj < best:
                best = xj
                tbest = tj
        else:
            area += _crossing_time(t_prev, tj, x_prev, xj, threshold, above)
        t_prev = tj
        x_prev = xj
    if kind == K_AUC:
        return area
    if kind == K_MEAN:
        return area / (b - a)
    if kind == K_MAX or kind == K_MIN:
        return best
    if kind == K_TMAX or kind == K_TMIN:
        return tbest
    return area
