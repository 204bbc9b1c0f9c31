"""Institution keys behind the :class:`KeyStore` interface."""

from node.keys.keystore import FileKeyStore, KeyKind, KeyStore, KeyStoreError, WrongPassphrase

__all__ = ["FileKeyStore", "KeyKind", "KeyStore", "KeyStoreError", "WrongPassphrase"]
