"""Verifiable Credentials: JSON-LD, Data Integrity, JOSE, SD-JWT, DIDs and keys.

No web framework, no database and nothing of :mod:`node` here; nothing runs at import time.
The API is in the modules (``vc.jose``, ``vc.sdjwt``, ``vc.data_integrity``, …), each with
its ``__all__``.
"""

__all__: list[str] = []
