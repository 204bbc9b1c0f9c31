"""The node's side of the wallet bridge: OpenID4VCI state in the database, copies signed
and stored like any other (so they are anchored); the protocol is :mod:`wallet_bridge`."""
