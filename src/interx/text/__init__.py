"""Text encoders behind one interface (`encoder.py`), per-text caching (`cache.py`), text edits (`edit.py`).

Public surface (imported lazily, so `import interx.text` loads no model):
`TextEncoder`, `TextEncoding`, `load_text_encoder(spec)`, `CachedTextEncoder`, `swap_left_right`.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "TextEncoder": "encoder", "TextEncoding": "encoder", "load_text_encoder": "encoder",
    "DEFAULT_ENCODER": "encoder", "CachedTextEncoder": "cache", "swap_left_right": "edit",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"interx.text.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'interx.text' has no attribute {name!r}")
