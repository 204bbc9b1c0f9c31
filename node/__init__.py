"""credreg node: a ledger-backed registry node for EU micro-credentials."""

__version__ = "0.1.0"
