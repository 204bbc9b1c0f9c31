"""The node's side of the ledger: the anchor worker and the anchor facts it records."""
