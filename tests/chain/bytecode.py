"""Hand-assembled EVM bytecode for the chain behaviour tests (no compiler needed).

``STORE_LOG_REVERT`` runtime:

* empty calldata → returns storage slot 0 (32 bytes);
* calldata whose first byte is 0xff → ``revert(calldata)`` (revert data = the input);
* otherwise → ``sstore(0, word)`` and ``log1(data=word, topic0=word)`` where ``word`` is the
  first 32 bytes of calldata.
"""

from __future__ import annotations

# Opcodes used below.
STOP, SHR, EQ, CALLDATALOAD, CALLDATASIZE, CALLDATACOPY, CODECOPY = (
    0x00, 0x1C, 0x14, 0x35, 0x36, 0x37, 0x39,
)  # fmt: skip
MSTORE, SLOAD, SSTORE, JUMPI, JUMPDEST, PUSH1, DUP1, LOG1, RETURN, REVERT = (
    0x52, 0x54, 0x55, 0x57, 0x5B, 0x60, 0x80, 0xA1, 0xF3, 0xFD,
)  # fmt: skip

Item = int | tuple[str, str]  # an opcode byte, or ("push", label) / ("label", name)


def assemble(items: list[Item]) -> bytes:
    """Two-pass assembler: ``("push", name)`` pushes a label's offset (PUSH1)."""
    labels: dict[str, int] = {}
    offset = 0
    for item in items:
        if isinstance(item, tuple):
            kind, name = item
            if kind == "label":
                labels[name] = offset
                offset += 1  # JUMPDEST
            else:
                offset += 2
        else:
            offset += 1
    code = bytearray()
    for item in items:
        if isinstance(item, tuple):
            kind, name = item
            code += bytes([JUMPDEST]) if kind == "label" else bytes([PUSH1, labels[name]])
        else:
            code.append(item)
    return bytes(code)


RUNTIME = assemble(
    [
        CALLDATASIZE, ("push", "write"), JUMPI,
        # read: return sload(0)
        PUSH1, 0, SLOAD, PUSH1, 0, MSTORE, PUSH1, 32, PUSH1, 0, RETURN,
        ("label", "write"),
        PUSH1, 0, CALLDATALOAD,                      # [word]
        DUP1, PUSH1, 0xF8, SHR, PUSH1, 0xFF, EQ,     # [word, firstbyte == 0xff]
        ("push", "revert"), JUMPI,                   # [word]
        DUP1, PUSH1, 0, SSTORE,                      # sstore(0, word)
        DUP1, PUSH1, 0, MSTORE,                      # mem[0:32] = word
        PUSH1, 32, PUSH1, 0, LOG1,                   # log1(0, 32, topic0=word)
        STOP,
        ("label", "revert"),
        CALLDATASIZE, PUSH1, 0, PUSH1, 0, CALLDATACOPY,
        CALLDATASIZE, PUSH1, 0, REVERT,
    ]
)  # fmt: skip


def init_code(runtime: bytes) -> bytes:
    """Init code that deploys ``runtime`` (codecopy + return; 12-byte prefix)."""
    n = len(runtime)
    assert n < 256
    prefix = bytes([PUSH1, n, PUSH1, 12, PUSH1, 0, CODECOPY, PUSH1, n, PUSH1, 0, RETURN])
    return prefix + runtime


CONTRACT_INIT = init_code(RUNTIME)


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


REVERTING_INPUT = bytes([0xFF]) + b"boom".rjust(31, b"\x00")
