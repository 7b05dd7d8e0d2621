"""Each benchmark owns one section of benchmarks/RESULTS.md, between marker comments."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = """# Benchmark results

Every figure below was measured by the script named in its section, which rewrites only its own
section. Timings are medians of repeated runs on the machine described in the section.
"""


def machine() -> str:
    """One line describing the machine and the library versions."""
    import numba
    import numpy
    import scipy
    import sympy

    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
        cpu = model
    except (OSError, StopIteration):
        pass
    try:
        n_cpu = len(__import__("os").sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        n_cpu = __import__("os").cpu_count()
    return (f"{cpu}, {n_cpu} cores; Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"scipy {scipy.__version__}, numba {numba.__version__}, sympy {sympy.__version__}")


def git_revision() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def update_section(name: str, body: str) -> None:
    """Replace (or append) the section ``name`` of RESULTS.md with ``body``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before = text[: text.index(start)]
        after = text[text.index(end) + len(end):]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def command_line() -> str:
    return "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
