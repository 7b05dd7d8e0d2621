"""Every exception, warning, diagnostic and run status mtorsim raises or returns.

All errors derive from :class:`MtorsimError` and also from the builtin a caller
would naturally catch (``ValueError`` for bad input, ``RuntimeError`` for
failures while computing, ``KeyError`` for unknown names).  Each error stores
its fields, formats them in ``__str__``, and pickles with its fields intact so
that sweeps can ship errors between processes.

Model-file problems are :class:`Diagnostic` records with a stable code, a
``file:line:col`` location, the offending line and a hint.  Validation collects
all of them and raises one :class:`ModelValidationError`.
"""

from __future__ import annotations

import difflib
import enum
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = [
    "accept_model",
    "CODES",
    "BackendUnavailableError",
    "CompileError",
    "ConfigError",
    "Diagnostic",
    "FitError",
    "IntegrationError",
    "ModelError",
    "ModelValidationError",
    "MtorsimError",
    "MtorsimWarning",
    "SBMLExportError",
    "ScheduleError",
    "Severity",
    "SourceLocation",
    "Status",
    "SweepError",
    "UnitError",
    "UnknownNameError",
    "did_you_mean",
]


# --------------------------------------------------------------------------- codes
#: Stable diagnostic codes.  E1xx: file syntax and structure (E12x: SBML documents); E2xx: names, units and
#: dimensions; E3xx: drugs and dosing; W4xx: numerical warnings.  Tests assert codes,
#: never wording, so a code is never reused for a different problem.
CODES: dict[str, str] = {
    "E101": "yaml-syntax",
    "E102": "unknown-key",
    "E103": "missing-key",
    "E104": "wrong-type",
    "E105": "invalid-equation",
    "E106": "expression-syntax",
    "E107": "duplicate-key",
    "E108": "empty-section",
    "E120": "sbml-error",
    "E121": "sbml-unsupported",
    "E201": "undeclared-name",
    "E202": "duplicate-name",
    "E203": "unit-mismatch",
    "E204": "invalid-unit",
    "E205": "invalid-name",
    "E206": "negative-initial-value",
    "E207": "missing-source",
    "E208": "unknown-function",
    "E209": "circular-definition",
    "E210": "non-dimensionless-argument",
    "E211": "invalid-value",
    "E301": "invalid-drug",
    "E302": "invalid-route",
    "W401": "negative-parameter",
    "W402": "unused-parameter",
}


class Severity(enum.Enum):
    """How bad a diagnostic is: errors stop loading, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class SourceLocation:
    """A position in a text file, 1-based like compilers print it.

    Any field may be ``None`` when unknown (e.g. an element built in Python).
    """

    file: str | None = None
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        parts = [self.file or "<model>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def shifted(self, cols: int) -> SourceLocation:
        """The same location moved ``cols`` columns to the right."""
        if self.col is None:
            return self
        return SourceLocation(self.file, self.line, self.col + cols)


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a model, compiler-style.

    Attributes
    ----------
    code : str
        Stable code from :data:`CODES`, e.g. ``"E203"``.
    message : str
        What is wrong, naming the element.
    loc : SourceLocation
        Where it is.
    source_line : str or None
        The raw text of the offending line, shown with a caret under ``loc.col``.
    hint : str or None
        How to fix it.
    """

    code: str
    message: str
    loc: SourceLocation = field(default_factory=SourceLocation)
    source_line: str | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown diagnostic code {self.code!r}")

    @property
    def name(self) -> str:
        """The code's slug, e.g. ``"unit-mismatch"``."""
        return CODES[self.code]

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.code.startswith("W") else Severity.ERROR

    def format(self) -> str:
        """Render like a compiler: location, code, message, source line, caret, hint."""
        lines = [f"{self.loc}: {self.severity.value}[{self.code} {self.name}] {self.message}"]
        if self.source_line is not None:
            text = self.source_line.rstrip("\n")
            lines.append(f"    {text}")
            if self.loc.col is not None:
                lines.append("    " + " " * (self.loc.col - 1) + "^")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


# --------------------------------------------------------------------------- statuses
class Status(enum.IntEnum):
    """Outcome of one simulation.  Integer-valued so compiled kernels can return it.

    Each member's :attr:`remedy` says what to try next.
    """

    SUCCESS = 0
    MAX_STEPS = 1
    STEP_TOO_SMALL = 2
    NON_FINITE = 3
    NO_STEADY_STATE = 4
    SOLVER_FAILED = 5
    NOT_RUN = 6
    EXCEPTION = 7

    @property
    def remedy(self) -> str:
        return _REMEDIES[self]


_REMEDIES = {
    Status.SUCCESS: "",
    Status.MAX_STEPS: "the solver hit its step limit; raise `max_steps` or shorten the time span",
    Status.STEP_TOO_SMALL: (
        "the step size collapsed, usually a stiff transient or a discontinuity the "
        "solver was not told about; loosen `rtol`/`atol`, try method='Radau', or check "
        "the parameters for extreme values"
    ),
    Status.NON_FINITE: (
        "the state became NaN or infinite; check for division by a species that reaches "
        "zero, or parameters far outside their sourced range"
    ),
    Status.NO_STEADY_STATE: (
        "no steady state was reached; lengthen `SteadyState(t_max=...)`, loosen its "
        "`tol`, or start from the model's initial values"
    ),
    Status.SOLVER_FAILED: "the solver reported a failure; see the message, or try another `method`",
    Status.NOT_RUN: "the simulation was not run",
    Status.EXCEPTION: "setting up the run raised an exception; see the message",
}


# --------------------------------------------------------------------------- exceptions
class MtorsimError(Exception):
    """Base of all mtorsim errors.  Subclasses store keyword fields and pickle them."""

    def __init__(self, **fields: Any) -> None:
        self._fields = fields
        for name, value in fields.items():
            setattr(self, name, value)
        super().__init__(self._format())

    def _format(self) -> str:  # pragma: no cover - every subclass overrides
        return repr(self._fields)

    def _with_hint(self, msg: str) -> str:
        """``msg`` followed by the ``hint`` field on its own line, when there is one."""
        hint = self._fields.get("hint", "")
        return f"{msg}\n  hint: {hint}" if hint else msg

    def __str__(self) -> str:
        return self._format()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_error, (type(self), self._fields))


def _rebuild_error(cls: type[MtorsimError], fields: dict[str, Any]) -> MtorsimError:
    return cls(**fields)


class MtorsimWarning(UserWarning):
    """Warnings from mtorsim (e.g. a corrupted cache entry that was rebuilt)."""


class ModelError(MtorsimError, ValueError):
    """Something is wrong with a model: its file, its names or its units."""


class ModelValidationError(ModelError):
    """A model file (or SBML document) has one or more problems.

    Attributes
    ----------
    diagnostics : list of Diagnostic
        Every problem found, errors and warnings, in file order.
    """

    def __init__(self, diagnostics: Sequence[Diagnostic], source: str | None = None) -> None:
        super().__init__(diagnostics=list(diagnostics), source=source)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics]

    def _format(self) -> str:
        n_err = sum(d.severity is Severity.ERROR for d in self.diagnostics)
        n_warn = len(self.diagnostics) - n_err
        where = f" in {self.source}" if self.source else ""
        head = f"{n_err} error(s), {n_warn} warning(s){where}"
        return head + "\n" + "\n".join(d.format() for d in self.diagnostics)


def accept_model(model: T | None, diagnostics: Sequence[Diagnostic], source: str) -> T:
    """``model`` if ``diagnostics`` hold no error, each warning issued; else raise.

    The common end of every loader (``check_*`` returns ``(model or None, diagnostics)``).

    Raises
    ------
    ModelValidationError
        Holding every diagnostic, when there is an error (or no model).
    """
    if model is None or any(d.severity is Severity.ERROR for d in diagnostics):
        raise ModelValidationError(diagnostics, source)
    for d in diagnostics:
        warnings.warn(d.format(), MtorsimWarning, stacklevel=3)  # at the loader's caller
    return model


class UnknownNameError(ModelError, KeyError):
    """A name (species, parameter, observable, drug, variant) the model does not declare."""

    def __init__(self, name: str, kind: str, known: Iterable[str]) -> None:
        super().__init__(name=name, kind=kind, known=sorted(known))

    def _format(self) -> str:
        msg = f"unknown {self.kind} {self.name!r}"
        hint = did_you_mean(self.name, self.known)
        if hint:
            msg += f"; did you mean {hint}?"
        elif self.known:
            shown = ", ".join(self.known[:12]) + (" ..." if len(self.known) > 12 else "")
            msg += f"; known: {shown}"
        return msg


class SBMLExportError(ModelError):
    """A model cannot be written as SBML, or libSBML rejects what was written.

    Attributes
    ----------
    element : str
        The model element (or SBML element) at fault, e.g. ``"species 'A'"``.
    message : str
        What is wrong.
    hint : str
        How to fix it.
    """

    def __init__(self, element: str, message: str, hint: str = "") -> None:
        super().__init__(element=element, message=message, hint=hint)

    def _format(self) -> str:
        return self._with_hint(f"SBML export: {self.element}: {self.message}")


class UnitError(MtorsimError, ValueError):
    """A quantity has the wrong dimension or cannot be read.

    Attributes
    ----------
    argument : str
        The argument or field that received the value.
    value : str
        The value as given.
    expected : str
        What was expected, e.g. ``"a time such as '24 h'"``.
    """

    def __init__(self, argument: str, value: Any, expected: str, detail: str = "") -> None:
        super().__init__(argument=argument, value=str(value), expected=expected, detail=detail)

    def _format(self) -> str:
        msg = f"`{self.argument}` = {self.value!r}: expected {self.expected}"
        if self.detail:
            msg += f" ({self.detail})"
        return msg


class ScheduleError(MtorsimError, ValueError):
    """A dose or regimen is invalid (amount, route, timing, units, overlap)."""

    def __init__(self, argument: str, message: str, hint: str = "") -> None:
        super().__init__(argument=argument, message=message, hint=hint)

    def _format(self) -> str:
        return self._with_hint(f"`{self.argument}`: {self.message}")


class ConfigError(MtorsimError, ValueError):
    """A configuration (sweep file, CLI option) is invalid; carries its location."""

    def __init__(
        self, key: str, message: str, loc: SourceLocation | None = None, hint: str = ""
    ) -> None:
        super().__init__(key=key, message=message, loc=loc or SourceLocation(), hint=hint)

    def _format(self) -> str:
        return self._with_hint(f"{self.loc}: `{self.key}`: {self.message}")


class SweepError(MtorsimError, ValueError):
    """A sweep, parameter space or analysis request is invalid (empty range, unknown factor, ...).

    Attributes
    ----------
    argument : str
        The argument or field at fault, e.g. ``"Uniform('Kd').high"``.
    message : str
        What is wrong.
    hint : str
        How to fix it.
    """

    def __init__(self, argument: str, message: str, hint: str = "") -> None:
        super().__init__(argument=argument, message=message, hint=hint)

    def _format(self) -> str:
        return self._with_hint(f"`{self.argument}`: {self.message}")


class FitError(MtorsimError, RuntimeError):
    """A curve fit (Hill, median-effect) could not be done or did not converge."""

    def __init__(self, what: str, message: str, hint: str = "") -> None:
        super().__init__(what=what, message=message, hint=hint)

    def _format(self) -> str:
        return self._with_hint(f"fitting {self.what} failed: {self.message}")


class CompileError(MtorsimError, RuntimeError):
    """Generating or jit-compiling a model's code failed."""

    def __init__(self, model: str, message: str, hint: str = "") -> None:
        super().__init__(model=model, message=message, hint=hint)

    def _format(self) -> str:
        return self._with_hint(f"compiling model {self.model!r} failed: {self.message}")


class BackendUnavailableError(MtorsimError, RuntimeError):
    """A compute backend was asked for but cannot run here (e.g. ``backend="cuda"`` without a GPU).

    Attributes
    ----------
    backend : str
        The backend asked for.
    where : str
        The call that asked for it.
    message : str
        Why it cannot run.
    hint : str
        How to fix it.
    """

    def __init__(self, backend: str, where: str, message: str, hint: str = "") -> None:
        super().__init__(backend=backend, where=where, message=message, hint=hint)

    def _format(self) -> str:
        msg = f"{self.where}: backend {self.backend!r} is not available: {self.message}"
        if self.hint:
            msg += f"\n  hint: {self.hint}"
        return msg


class IntegrationError(MtorsimError, RuntimeError):
    """A simulation failed.

    Attributes
    ----------
    status : Status
        Why it failed.
    t_fail : float
        Simulation time (h) at which it failed.
    message : str
        The solver's own message.
    y_fail : list of float or None
        The state when it failed, if known.
    """

    def __init__(
        self,
        status: Status,
        t_fail: float,
        message: str = "",
        y_fail: Sequence[float] | None = None,
    ) -> None:
        super().__init__(
            status=Status(status),
            t_fail=float(t_fail),
            message=message,
            y_fail=None if y_fail is None else [float(v) for v in y_fail],
        )

    @property
    def remedy(self) -> str:
        return self.status.remedy

    def _format(self) -> str:
        msg = f"simulation failed at t = {self.t_fail:.6g} h with status {self.status.name}"
        if self.message:
            msg += f": {self.message}"
        if self.status.remedy:
            msg += f"\n  remedy: {self.status.remedy}"
        return msg


# --------------------------------------------------------------------------- helpers
def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """Return a quoted close match for ``name`` among ``known``, or ``None``."""
    known = list(known)
    matches = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if not matches:
        lower = {k.lower(): k for k in known}
        if name.lower() in lower:
            matches = [lower[name.lower()]]
    if not matches:
        return None
    return " or ".join(repr(m) for m in matches)
