"""Embedded chain only: persistence across reopen, single writer, crash safety."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from anchoring import ChainError, ChainLocked, EmbeddedChainClient
from tests.chain.bytecode import CONTRACT_INIT, word

REPO = Path(__file__).resolve().parents[2]


def test_reopen_continues_the_same_chain(tmp_path: Path) -> None:
    account: LocalAccount = Account.create()
    with EmbeddedChainClient(tmp_path, funded={account.address: 5}) as client:
        deployed = client.wait_for_receipt(client.send(account, None, CONTRACT_INIT))
        address = deployed.contract_address
        assert address is not None
        stored = client.wait_for_receipt(client.send(account, address, word(99)))
        head = client.block()
        logs = client.logs(address, [], 0)
        assert len(logs) == 1
    with EmbeddedChainClient(tmp_path, funded={account.address: 10**18}) as client:
        assert client.block() == head
        assert client.block(deployed.block_number).hash == deployed.block_hash
        assert client.call(address, b"") == word(99)
        assert client.receipt(deployed.tx_hash) == deployed
        assert client.receipt(stored.tx_hash) == stored
        assert client.logs(address, [word(99)], 0) == logs
        assert client.balance(account.address) == 5  # genesis is not re-applied
        # and it keeps going: nonce picked up from the persisted state
        again = client.wait_for_receipt(client.send(account, address, word(100)))
        assert again.block_number == head.number + 1
        assert client.nonces(account.address).peek() == 3


def test_second_open_is_refused(tmp_path: Path) -> None:
    with EmbeddedChainClient(tmp_path):
        with pytest.raises(ChainLocked):
            EmbeddedChainClient(tmp_path)
        other = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from anchoring import *\n"
                "try:\n    EmbeddedChainClient(Path(sys.argv[1]))\n"
                "except ChainLocked as e:\n    print('locked', e); sys.exit(3)",
                str(tmp_path),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert other.returncode == 3, other.stderr
        assert f"process {os.getpid()}" in other.stdout
    EmbeddedChainClient(tmp_path).close()  # released on close


def test_other_chain_id_is_refused(tmp_path: Path) -> None:
    EmbeddedChainClient(tmp_path, chain_id=7).close()
    with pytest.raises(ChainError, match="holds chain 7"):
        EmbeddedChainClient(tmp_path, chain_id=8)
    EmbeddedChainClient(tmp_path, chain_id=7).close()  # the failed open released the lock


def test_timestamps_strictly_increase(tmp_path: Path) -> None:
    account: LocalAccount = Account.create()
    with EmbeddedChainClient(tmp_path) as client:
        stamps = [client.block().timestamp]
        for _ in range(5):
            client.send(account, account.address, b"")
            stamps.append(client.block().timestamp)
        assert all(b > a for a, b in itertools.pairwise(stamps))


def test_closed_client_raises(tmp_path: Path) -> None:
    client = EmbeddedChainClient(tmp_path)
    client.close()
    client.close()  # idempotent
    with pytest.raises(ChainError, match="closed"):
        client.block()


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from eth_account import Account
    from anchoring import EmbeddedChainClient
    account = Account.from_key(bytes.fromhex(sys.argv[2]))
    client = EmbeddedChainClient(Path(sys.argv[1]))
    i = 0
    while True:  # send until killed
        tx_hash = client.send(account, account.address, b"", gas=21000)
        receipt = client.wait_for_receipt(tx_hash)
        print(tx_hash.hex(), receipt.block_number, flush=True)
        i += 1
    """
)


def test_kill_9_loses_no_mined_block(tmp_path: Path) -> None:
    account: LocalAccount = Account.create()
    EmbeddedChainClient(tmp_path).close()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path), account.key.hex()],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    mined: list[tuple[bytes, int]] = []
    while len(mined) < 30:
        line = child.stdout.readline()
        assert line, "child died early"
        tx_hex, block_text = line.split()
        mined.append((bytes.fromhex(tx_hex), int(block_text)))
    os.kill(child.pid, signal.SIGKILL)  # lands while the child is mining further blocks
    child.wait()
    child.stdout.close()

    with EmbeddedChainClient(tmp_path) as client:
        head = client.block().number
        assert head >= mined[-1][1]
        for tx_hash, block_number in mined:
            receipt = client.receipt(tx_hash)
            assert receipt is not None and receipt.block_number == block_number
        # every block up to the head is whole: header, tx and receipt
        for number in range(1, head + 1):
            assert client.block(number).number == number
        assert client.nonces(account.address).peek() is None
        assert client.nonces(account.address).resync() == head  # one tx per block
        receipt = client.wait_for_receipt(client.send(account, account.address, b""))
        assert receipt.block_number == head + 1
