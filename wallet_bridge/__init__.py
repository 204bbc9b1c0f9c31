"""OpenID4VCI 1.0 / OpenID4VP 1.0 protocol logic: messages, metadata, proofs, errors.

No web framework and no database here (the node wires this to HTTP and storage in
``node.wallet`` and ``node.api.routes_oid4vci``); nothing runs at import time. Keys and
JWS come from :mod:`vc` (itself free of FastAPI and SQLAlchemy).
"""

__all__: list[str] = []
