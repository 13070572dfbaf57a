"""An uploaded XLSX or CSV read into plain rows, within limits, or refused with one clear message.

XLSX is read with openpyxl in read-only mode (rows streamed from the zip, never the whole sheet
built in memory); formulas are never evaluated: a formula cell is refused, naming the cell.
"""

import csv
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

# An XLSX that inflates past this many times the size limit is refused before it is opened (zip bomb).
INFLATE_FACTOR = 20
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Chinese Excel saves CSV in GB18030 (GBK)


class SheetError(Exception):
    """The file as a whole cannot be read: nothing is imported."""


@dataclass
class Sheet:
    header: list
    rows: list[tuple[int, list]]  # (row number as the spreadsheet shows it, cells)
    formulas: list[tuple[int, str]]  # (row number, cell reference) of every formula found


def limits() -> tuple[int, int]:
    return settings.HARDSHIP["IMPORT_MAX_ROWS"], settings.HARDSHIP["IMPORT_MAX_BYTES"]


def too_big_message(size: int) -> str:
    _rows, max_bytes = limits()
    return _("The file is %(size)s MB; the most accepted is %(max)s MB.") % {
        "size": round(size / 1_000_000, 1),
        "max": round(max_bytes / 1_000_000, 1),
    }


def read_sheet(content: bytes, filename: str) -> Sheet:
    """The header and the non-empty rows of the first sheet of an XLSX, or of a CSV."""
    _rows, max_bytes = limits()
    if len(content) > max_bytes:
        raise SheetError(too_big_message(len(content)))
    name = filename.lower()
    if name.endswith(".xls"):
        raise SheetError(_("Old Excel files (.xls) cannot be read: save the sheet as .xlsx or CSV."))
    if name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content)
    if name.endswith((".csv", ".txt")):
        return _read_csv(content)
    raise SheetError(_("Upload an Excel workbook (.xlsx) or a CSV file."))


def _check_zip(content: bytes) -> None:
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise SheetError(_("This file is not an Excel workbook (.xlsx), whatever its name says. Save it as .xlsx."))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        inflated = sum(info.file_size for info in archive.infolist())
        if "xl/workbook.xml" not in archive.namelist():
            raise SheetError(_("This file is not an Excel workbook (.xlsx), whatever its name says. Save it as .xlsx."))
    if inflated > limits()[1] * INFLATE_FACTOR:
        raise SheetError(_("This workbook is far larger once unpacked than its file: it is refused."))


def _read_xlsx(content: bytes) -> Sheet:
    _check_zip(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise SheetError(_("This workbook is damaged and cannot be read (%(error)s).") % {"error": exc}) from None
    try:
        sheet = book.worksheets[0]
        rows = ((number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1))
        return _collect(rows)
    except SheetError:
        raise
    except Exception as exc:
        raise SheetError(_("This workbook is damaged and cannot be read (%(error)s).") % {"error": exc}) from None
    finally:
        book.close()


def _decode(content: bytes) -> str:
    if b"\x00" in content[:4096]:
        raise SheetError(_("This file is not a CSV text file. Upload an Excel workbook (.xlsx) or a CSV file."))
    for encoding in CSV_ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError(_("The CSV file's characters cannot be read: save it as UTF-8 or as an Excel workbook."))


def _read_csv(content: bytes) -> Sheet:
    text = _decode(content)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return _collect((number, cells) for number, cells in enumerate(reader, start=1))
    except csv.Error as exc:
        raise SheetError(_("The CSV file cannot be read (%(error)s).") % {"error": exc}) from None


def _blank(cells: list) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def _collect(numbered_rows) -> Sheet:
    max_rows, _bytes = limits()
    header = None
    rows: list[tuple[int, list]] = []
    formulas: list[tuple[int, str]] = []
    for number, cells in numbered_rows:
        if _blank(cells):
            continue
        if header is None:
            header = cells
            continue
        if len(rows) >= max_rows:
            raise SheetError(
                _("The file has more than %(max)s rows; the most one import takes is %(max)s. Split it.")
                % {"max": max_rows}
            )
        for pos, cell in enumerate(cells):
            if isinstance(cell, str) and cell.startswith("="):
                formulas.append((number, f"{get_column_letter(pos + 1)}{number}"))
        rows.append((number, cells))
    if header is None:
        raise SheetError(_("The file is empty."))
    if not rows:
        raise SheetError(_("The file has a header row but no rows to import."))
    return Sheet(header=header, rows=rows, formulas=formulas)
