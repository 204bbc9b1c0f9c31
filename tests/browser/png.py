"""A minimal PNG decoder (8-bit greyscale/RGB/RGBA, not interlaced) → greyscale rows, so
zxing-cpp can read a screenshot without Pillow or numpy."""

from __future__ import annotations

import struct
import zlib

import zxingcpp

_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def to_grey(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, one byte per pixel) of a PNG image."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = depth = colour = interlace = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert depth == 8 and interlace == 0 and colour in _CHANNELS, (depth, colour, interlace)
    bpp = _CHANNELS[colour]
    raw = zlib.decompress(idat)
    stride = width * bpp
    previous = bytearray(stride)
    grey = bytearray()
    for y in range(height):
        start = y * (stride + 1)
        row_filter = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            corner = previous[i - bpp] if i >= bpp else 0
            if row_filter == 1:
                line[i] = (line[i] + left) & 0xFF
            elif row_filter == 2:
                line[i] = (line[i] + up) & 0xFF
            elif row_filter == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif row_filter == 4:
                line[i] = (line[i] + _paeth(left, up, corner)) & 0xFF
        previous = line
        for x in range(width):
            px = line[x * bpp : x * bpp + bpp]
            grey.append(px[0] if bpp <= 2 else (px[0] * 299 + px[1] * 587 + px[2] * 114) // 1000)
    return width, height, bytes(grey)


def qr_texts(png: bytes) -> list[str]:
    """The text of each QR code zxing-cpp finds in a PNG screenshot (QR codes only: a QR
    code's modules can pass for a short code of another symbology)."""
    width, height, grey = to_grey(png)
    found = zxingcpp.read_barcodes(
        memoryview(grey).cast("B", (height, width)),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
    )
    return [code.text for code in found]
