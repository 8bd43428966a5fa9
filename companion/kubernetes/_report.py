"""How schema errors are reported, shared by the Kubernetes manifests and the Argo export:
one line per error, ``Kind/name: path: message``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["describe_document", "error_line", "format_path"]

MESSAGE_MAX_CHARS = 240


def describe_document(document: Mapping[str, Any]) -> str:
    """``Kind/name`` of a (possibly malformed) document."""
    kind = document.get("kind")
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return f"{kind if isinstance(kind, str) else '<no kind>'}/{name if isinstance(name, str) else '<no name>'}"


def format_path(path: Iterable[object]) -> str:
    """``spec.metrics[0].resource`` from a jsonschema error path."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top level)"


def error_line(label: str, error: Any) -> str:
    """One jsonschema error as ``label: path: message`` (long messages shortened)."""
    message = str(error.message)
    if len(message) > MESSAGE_MAX_CHARS:
        message = message[: MESSAGE_MAX_CHARS - 1] + "…"
    return f"{label}: {format_path(error.absolute_path)}: {message}"
