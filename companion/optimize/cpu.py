"""Which instruction sets this CPU has, and what they mean for int8 and fp32 inference.

Two machines with the same number of vCPUs can rank runtimes differently: an int8 matrix
product runs on AMX tiles, on AVX-512 VNNI or AVX-VNNI dot-product instructions, or (on a CPU
with AVX2 only) on a multiply-add sequence that is barely faster than fp32. Every benchmark's
machine record names them (:func:`companion.optimize.machine_description`).

Linux lists the flags in ``/proc/cpuinfo``; elsewhere numpy's own run-time CPU dispatch
(which every numpy wheel carries) answers for the flags it detects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "describe_instruction_sets",
    "instruction_sets",
    "int8_instructions",
]

CPUINFO = Path("/proc/cpuinfo")

# The instruction sets that decide how fast int8 and fp32 inference run on a CPU, as Linux
# names them in /proc/cpuinfo ("flags" on x86, "Features" on Arm).
SPEED_FLAGS = (
    "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16",
    "amx_tile", "amx_int8", "amx_bf16", "asimd", "asimddp", "i8mm", "bf16", "sve", "sve2",
)  # fmt: skip

# How people (and vendors' data sheets) write them.
INSTRUCTION_SET_NAMES = {
    "avx": "AVX", "avx2": "AVX2", "fma": "FMA", "avx512f": "AVX-512F", "avx512bw": "AVX-512BW",
    "avx512_vnni": "AVX-512 VNNI", "avx_vnni": "AVX-VNNI", "avx512_bf16": "AVX-512 BF16",
    "amx_tile": "AMX", "amx_int8": "AMX-INT8", "amx_bf16": "AMX-BF16", "asimd": "NEON",
    "asimddp": "NEON dot product", "i8mm": "Arm I8MM", "bf16": "Arm BF16", "sve": "SVE",
    "sve2": "SVE2",
}  # fmt: skip

# numpy's names (numpy._core._multiarray_umath.__cpu_features__) for the flags it detects.
# It does not detect AVX-VNNI, AMX, I8MM, BF16 on Arm or SVE2: the fallback cannot name those.
_NUMPY_NAMES = {
    "AVX": "avx", "AVX2": "avx2", "FMA3": "fma", "AVX512F": "avx512f", "AVX512BW": "avx512bw",
    "AVX512VNNI": "avx512_vnni", "AVX512BF16": "avx512_bf16", "ASIMD": "asimd",
    "ASIMDDP": "asimddp", "SVE": "sve",
}  # fmt: skip

# The fastest int8 dot-product path each flag opens, best first.
_INT8_PATHS = (
    ("amx_int8", "AMX-INT8 tiles"),
    ("avx512_vnni", "AVX-512 VNNI"),
    ("avx_vnni", "AVX-VNNI"),
    ("i8mm", "Arm I8MM"),
    ("asimddp", "NEON dot product"),
    ("avx512bw", "AVX-512BW without VNNI"),
    ("avx2", "AVX2 without VNNI"),
)


def _flags_from_cpuinfo(cpuinfo: str) -> set[str] | None:
    flags: set[str] = set()
    found = False
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in {"flags", "Features"}:
            found = True
            flags.update(value.split())
    return flags if found else None


def _flags_from_numpy() -> set[str]:
    import importlib

    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):  # 2.x, 1.x
        try:
            features = getattr(importlib.import_module(module), "__cpu_features__", None)
        except ImportError:
            continue
        if isinstance(features, dict):
            return {flag for name, flag in _NUMPY_NAMES.items() if features.get(name)}
    return set()


def instruction_sets(cpuinfo: str | None = None) -> list[str]:
    """Which of :data:`SPEED_FLAGS` this CPU has, in that order.

    ``cpuinfo`` is the text of ``/proc/cpuinfo`` (:data:`CPUINFO`, read when not given). Where it is not readable
    or lists no flags (macOS, Windows, some containers), numpy's run-time CPU detection answers
    for the flags it knows; an explicit ``cpuinfo`` without flags gives an empty list.
    """
    if cpuinfo is not None:
        return [flag for flag in SPEED_FLAGS if flag in (_flags_from_cpuinfo(cpuinfo) or set())]
    try:
        flags = _flags_from_cpuinfo(CPUINFO.read_text())
    except OSError:
        flags = None
    if flags is None:
        flags = _flags_from_numpy()
    return [flag for flag in SPEED_FLAGS if flag in flags]


def int8_instructions(flags: Iterable[str]) -> str:
    """The fastest int8 dot-product instructions among ``flags`` (e.g. ``"AVX-512 VNNI"``),
    or ``"none of the known int8 paths"``."""
    present = set(flags)
    for flag, name in _INT8_PATHS:
        if flag in present:
            return name
    return "none of the known int8 paths"


def describe_instruction_sets(flags: Sequence[str]) -> str:
    """One line for a results table: the sets present, then the int8 path, e.g.
    ``"AVX, AVX2, FMA; int8 on AVX2 without VNNI"``."""
    if not flags:
        return "instruction sets not recorded"
    names = ", ".join(INSTRUCTION_SET_NAMES.get(flag, flag) for flag in flags)
    return f"{names}; int8 on {int8_instructions(flags)}"
