"""What an import file holds, told apart by its first character: ELM JSON-LD (``{`` or
``[``: node/catalogue/elm_import.py) or CSV (node/catalogue/csv_import.py). Shared by
``credreg catalogue import`` and the console's import form."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

from node.catalogue.csv_import import CatalogueRow, read_rows
from node.catalogue.elm_import import elm_rows
from node.credentials.csv_import import CsvFormatError, inspect_bytes

_LEADING = b"\xef\xbb\xbf \t\r\n"  # a UTF-8 BOM and white space


def rows_of(data: bytes) -> tuple[Iterator[CatalogueRow], int]:
    """The file's rows and how many there are at most (for a progress bar);
    CsvFormatError when the file cannot be used (nothing of it is imported)."""
    if data.lstrip(_LEADING)[:1] in (b"{", b"["):
        try:
            found = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CsvFormatError(f"the file starts like JSON but is not JSON: {exc}") from None
        rows = list(elm_rows(found))
        return iter(rows), len(rows)
    source = inspect_bytes(data)
    text = io.StringIO(data.decode(source.encoding), newline="")
    return read_rows(text), max(source.lines - 1, 0)  # read_rows: the header, now
