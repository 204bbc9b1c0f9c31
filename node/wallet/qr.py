"""QR codes of offer and request links, made to be scanned from a screen or a print.

A scanner needs the four-module quiet zone (ISO/IEC 18004 §6.3.8) on a light background,
and modules big enough to resolve: the PNG has 8 px per module; the SVGs carry a
``viewBox`` so they scale as a whole into whatever box a page gives them (without one, a
box smaller than the drawing crops it and finder patterns go missing).
"""

from __future__ import annotations

import base64
import io

import segno

QUIET_ZONE = 4  # modules
PNG_SCALE = 8  # pixels per module


def _code(data: str) -> segno.QRCode:
    return segno.make(data, error="m")


def qr_images(data: str) -> tuple[bytes, str]:
    """The QR code of ``data`` as PNG and as a standalone SVG (sized, with a viewBox):
    encoded once (choosing the mask is most of the cost), written twice."""
    code = _code(data)
    png, svg = io.BytesIO(), io.BytesIO()
    style = {"scale": PNG_SCALE, "border": QUIET_ZONE, "light": "#fff"}
    code.save(png, kind="png", **style)
    code.save(svg, kind="svg", xmldecl=False, **style)
    width, height = code.symbol_size(scale=PNG_SCALE, border=QUIET_ZONE)
    text = svg.getvalue().decode("utf-8")
    return png.getvalue(), text.replace("<svg ", f'<svg viewBox="0 0 {width} {height}" ', 1)


def inline_svg(data: str, title: str) -> str:
    """The QR code of ``data`` for an HTML page: one user unit per module, a viewBox and no
    fixed size, so CSS sets its width; crisp module edges at any device pixel ratio."""
    svg: str = _code(data).svg_inline(
        scale=1, border=QUIET_ZONE, omitsize=True, light="#fff", title=title
    )
    return svg.replace("<svg ", '<svg shape-rendering="crispEdges" role="img" ', 1)


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
