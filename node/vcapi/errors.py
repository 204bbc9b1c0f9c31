"""VC API errors. The W3C suites read the status code, so refusals are 400 (VC API §3.3.1
"Issue Credential" 400 Invalid input; §3.3.2 "Verify Credential" 400 Invalid input)."""

from __future__ import annotations

from node.errors import NodeError


class VcApiInvalidInput(NodeError):
    """A credential or option the VC API refuses to issue."""

    status_code = 400
    code = "invalid_credential"


class VcApiNotSupported(NodeError):
    """A valid request for a feature this issuer does not offer yet."""

    status_code = 400
    code = "not_supported"
