"""The network of institutions: governance through NetworkRegistry, discovery of members,
and rotation of the institution's signing key (node/network/, routes in
node/api/routes_network.py, CLI in node/cli_network.py)."""
