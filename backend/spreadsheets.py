"""Spreadsheets people upload (Excel workbooks, CSV): read as a stream, within limits that hold before the work.

A workbook is a zip of XML: 155 KB can unpack to 150 MB, and one cell at row 60,000 made openpyxl's normal
mode create 1.5 million cells. So the zip's declared sizes are checked first (zipfile never unpacks more
than an entry declares), then what openpyxl would read in full on opening (shared texts, styles, names) and
the widest row are counted in the raw XML; the first sheet is streamed (openpyxl read-only) row by row up
to a row limit, each row is cut to MAX_COLUMNS, and anything malformed is refused with a 4xx, never a 500.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator

from openpyxl import load_workbook
from openpyxl.worksheet.cell_range import CellRange

from backend.config import settings
from backend.errors import Invalid

MAX_COLUMNS = 64  # far more than any import layout has; a cell further right is ignored
MAX_REPORTED_ERRORS = 100  # rows of errors listed in a refusal; the message counts them all
MAX_TEXTS_PER_ROW = 16  # shared texts a workbook may hold per row allowed (the import layouts have 12 to 14 columns)
_SHARED_TEXT = re.compile(rb"<(?:\w+:)?si[\s>/]")
# Elements outside the sheets and shared texts (styles, names …): a workbook saved by Excel has hundreds, a
# badly bloated one tens of thousands (Excel keeps at most 64,000 cell formats); openpyxl needs ~0.8 KB each.
MAX_OTHER_ELEMENTS = 100_000
_ELEMENT = re.compile(rb"<[A-Za-z]")
MAX_CELLS_PER_ROW = 1024  # openpyxl holds a whole row while reading it: 2 million cells in one row took +870 MB
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)[\s/>]")
_MERGED = re.compile(rb'<(?:\w{1,32}:)?mergeCell\b[^>]{0,200}\bref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"')
MERGED_MAX_BYTES = 320  # longer than any text _MERGED matches (a prefix, 200 bytes of attributes, the longest ref)
# What a damaged zip, its XML or a cell's text raises inside openpyxl and zipfile.
_MALFORMED = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError, IndexError, AttributeError, OSError,
              EOFError, SyntaxError)


def _not_a_workbook() -> Invalid:
    return Invalid("文件不是有效的 Excel（.xlsx）文件", code="not_an_excel_file")


class FirstSheet:
    """The first sheet of an .xlsx file, streamed; rows only up to `max_rows` after the header."""

    def __init__(self, data: bytes, *, max_rows: int, max_unpacked_bytes: int | None = None):
        """`max_unpacked_bytes`: instead of SPREADSHEET_MAX_UNPACKED_BYTES (an operator's own large file)."""
        self.max_rows = max_rows
        limit = max_unpacked_bytes or settings().SPREADSHEET_MAX_UNPACKED_BYTES
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unpacked = sum(entry.file_size for entry in archive.infolist())
                if unpacked > limit:
                    raise Invalid(f"Excel 文件解压后过大（{unpacked // 1_000_000} MB，最多 {limit // 1_000_000} MB）",
                                  code="spreadsheet_too_large")
                self._check_parts(archive)
            self._book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            self._sheet = self._book.worksheets[0]
            with self._book._archive.open(self._sheet._worksheet_path) as source:  # noqa: SLF001 (see merged)
                if _has_row_wider_than(source, MAX_CELLS_PER_ROW):
                    raise Invalid(f"Excel 表格中有一行超过 {MAX_CELLS_PER_ROW} 个单元格", code="spreadsheet_too_large")
        except _MALFORMED:
            raise _not_a_workbook() from None
        self._sheet.reset_dimensions()  # the declared size may lie: rows are read as they are

    def _check_parts(self, archive: zipfile.ZipFile) -> None:
        """Refuse more shared texts than the rows allowed could hold, or more elements in the other parts
        (styles, the workbook's names …) than Excel writes: openpyxl reads all of them when it opens the file
        (2 million one-letter texts, 88 KB packed, took 30 s; 700,000 cell formats, 128 KB, +545 MB)."""
        most = (self.max_rows + 1) * MAX_TEXTS_PER_ROW
        texts = elements = 0
        for entry in archive.namelist():  # the shared texts may be at any path the manifest names
            with archive.open(entry) as part:
                found = _count(_SHARED_TEXT, part, beyond=most - texts)
            texts += found
            if not found and not entry.startswith("xl/worksheets/"):
                with archive.open(entry) as part:
                    elements += _count(_ELEMENT, part, beyond=MAX_OTHER_ELEMENTS - elements)
        if texts > most:
            raise Invalid(f"Excel 文件中的文字条目过多（超过 {most} 条）", code="spreadsheet_too_large")
        if elements > MAX_OTHER_ELEMENTS:
            raise Invalid("Excel 文件的格式、名称等条目过多，请另存为新文件后重试", code="spreadsheet_too_large")

    def merged(self) -> list[CellRange]:
        """The merged ranges (read-only mode does not read them: taken from the sheet's XML)."""
        with self._book._archive.open(self._sheet._worksheet_path) as source:  # noqa: SLF001 (openpyxl has no API)
            # streamed: a 200,000-row sheet is some 200 MB of XML, which read whole was the import's peak memory
            return [CellRange(match[1].decode()) for match in _matches(_MERGED, source, overlap=MERGED_MAX_BYTES)]

    def rows(self) -> Iterator[tuple[int, tuple]]:
        """(row number, values) of each row with a value; too_many_rows past the header and `max_rows`."""
        try:
            numbered = enumerate(self._sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1)
            for number, values in numbered:
                if values.count(None) == len(values) or all(value is None or str(value).strip() == ""
                                                            for value in values):
                    continue
                if number > self.max_rows + 1:
                    raise _too_many_rows(self.max_rows)
                yield number, values
        except _MALFORMED:
            raise Invalid("Excel 文件内容已损坏，无法读取", code="not_an_excel_file") from None
        finally:
            self._book.close()


def csv_rows(data: bytes, *, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """(row number, fields) of each record of a UTF-8 or GBK CSV file with a value, the header first;
    refused past `max_rows`. Decoded as it is read: a million short rows never become one big string."""
    encoding = next((name for name in ("utf-8-sig", "gb18030") if _decodes(data, name)), None)
    if encoding is None:
        raise Invalid("无法识别 CSV 文件的编码（应为 UTF-8 或 GBK）", code="csv_encoding")
    number = 0
    try:
        text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        for number, values in enumerate(csv.reader(text), start=1):
            if not any(value.strip() for value in values):
                continue
            if number > max_rows + 1:
                raise _too_many_rows(max_rows)
            yield number, values[:MAX_COLUMNS]
    except csv.Error as error:  # a field over csv's 128 KiB limit, a NUL byte …
        raise Invalid(f"CSV 文件第 {number + 1} 行格式有误：{error}", code="csv_malformed") from None


def _matches(pattern: re.Pattern, stream, chunk: int = 1 << 20, overlap: int = 16) -> Iterator[re.Match]:
    """Each match of `pattern` (at most `overlap` bytes long) in a stream, read a megabyte at a time."""
    tail = b""
    while block := stream.read(chunk):
        buffer = tail + block
        cut = max(0, len(buffer) - overlap)
        yield from (match for match in pattern.finditer(buffer) if match.start() < cut)
        tail = buffer[cut:]
    yield from pattern.finditer(tail)


def _count(pattern: re.Pattern, stream, *, beyond: int) -> int:
    """The matches of `pattern` in the stream, counted until there are more than `beyond` (a limit refuses
    at once: counting two million texts only to refuse them cost seconds)."""
    found = 0
    for found, _ in enumerate(_matches(pattern, stream), start=1):
        if found > beyond:
            break
    return found


def _has_row_wider_than(stream, limit: int) -> bool:
    """Whether one row of a sheet's XML holds more than `limit` cells (stops at the first such row)."""
    cells = 0
    for match in _matches(_ROW_OR_CELL, stream):
        cells = 0 if match[1] == b"row" else cells + 1
        if cells > limit:
            return True
    return False


def _decodes(data: bytes, encoding: str, chunk: int = 1 << 20) -> bool:
    """Whether the bytes are text in `encoding` (checked a megabyte at a time, the text not kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(data), chunk):
            decoder.decode(data[start:start + chunk], final=start + chunk >= len(data))
    except UnicodeDecodeError:
        return False
    return True


def _too_many_rows(max_rows: int) -> Invalid:
    return Invalid(f"一次最多导入 {max_rows} 行", code="too_many_rows")


def cell_text(value) -> str:
    """A cell's value as text people typed it: 12.0 read back from a workbook is "12"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def header(first, required: tuple[str, ...]) -> dict[str, int]:
    """Column name → index from the header row; a missing required column is refused."""
    columns = {}
    for index, value in enumerate(first):
        name = cell_text(value)
        if name and name not in columns:
            columns[name] = index
    missing = [name for name in required if name not in columns]
    if missing:
        raise Invalid(f"缺少必需的列：{'、'.join(missing)}", code="excel_missing_columns", errors={"missing": missing})
    return columns


def reported(errors: dict) -> dict:
    """The errors of a refused import as listed: the first MAX_REPORTED_ERRORS rows (the message gives the count)."""
    return dict(list(errors.items())[:MAX_REPORTED_ERRORS])
