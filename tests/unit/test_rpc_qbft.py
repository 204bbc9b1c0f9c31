"""The JSON-RPC chain client reads a Besu QBFT block (extraData longer than 32 bytes) with
``poa=True`` and fails clearly without it. Besu cannot run here: a tiny local HTTP server
returns canned JSON-RPC responses shaped like Besu's."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from anchoring.errors import ChainError
from anchoring.rpc import Web3ChainClient

# QBFT extraData: RLP([32-byte vanity, [validator addresses], vote, round, [seals]]), here
# with 4 validators as Besu's `operator generate-blockchain-config` would list them.
_VALIDATORS = [bytes([i]) * 20 for i in range(1, 5)]


def _rlp(item: bytes | list[Any]) -> bytes:
    if isinstance(item, bytes):
        if len(item) == 1 and item[0] < 0x80:
            return item
        return _length(len(item), 0x80) + item
    body = b"".join(_rlp(x) for x in item)
    return _length(len(body), 0xC0) + body


def _length(n: int, offset: int) -> bytes:
    if n < 56:
        return bytes([offset + n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(raw)]) + raw


QBFT_EXTRA = _rlp([b"\x00" * 32, list(_VALIDATORS), [], b"\x00" * 4, []])
BLOCK = {
    "number": "0x1b4",
    "hash": "0x" + "ab" * 32,
    "parentHash": "0x" + "cd" * 32,
    "mixHash": "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365",
    "nonce": "0x0000000000000000",
    "sha3Uncles": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
    "logsBloom": "0x" + "00" * 256,
    "transactionsRoot": "0x" + "56" * 32,
    "stateRoot": "0x" + "78" * 32,
    "receiptsRoot": "0x" + "9a" * 32,
    "miner": "0x" + "01" * 20,
    "difficulty": "0x1",
    "totalDifficulty": "0x1b5",
    "extraData": "0x" + QBFT_EXTRA.hex(),
    "size": "0x27f",
    "gasLimit": "0x1fffffffffffff",
    "gasUsed": "0x0",
    "timestamp": "0x6740d8a0",
    "baseFeePerGas": "0x0",
    "uncles": [],
    "transactions": [],
}
_RESULTS: dict[str, Any] = {
    "eth_chainId": "0x539",
    "eth_blockNumber": BLOCK["number"],
    "eth_getBlockByNumber": BLOCK,
}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        batch = request if isinstance(request, list) else [request]
        replies = [
            {"jsonrpc": "2.0", "id": r["id"], "result": _RESULTS[r["method"]]}
            if r["method"] in _RESULTS
            else {"jsonrpc": "2.0", "id": r["id"], "error": {"code": -32601, "message": "no"}}
            for r in batch
        ]
        body = json.dumps(replies if isinstance(request, list) else replies[0]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def besu_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_canned_block_is_qbft_shaped() -> None:
    assert len(QBFT_EXTRA) > 32
    assert QBFT_EXTRA[0] >= 0xF7  # an RLP list longer than 55 bytes


def test_poa_client_reads_a_qbft_block(besu_url: str) -> None:
    with Web3ChainClient(besu_url, poa=True) as client:
        assert client.chain_id() == 1337
        block = client.block()
    assert block.number == 0x1B4
    assert block.hash == bytes.fromhex("ab" * 32)
    assert block.timestamp == 0x6740D8A0


def test_without_poa_the_client_says_what_is_missing(besu_url: str) -> None:
    with Web3ChainClient(besu_url, poa=False) as client, pytest.raises(ChainError) as failed:
        client.block()
    assert "poa=True" in str(failed.value)
    assert "extraData" in str(failed.value)
