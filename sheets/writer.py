"""Tables out as CSV or XLSX, written row by row as the database hands them over: memory stays flat.

CSV goes straight into a StreamingHttpResponse. XLSX is a zip that can only be finished at the
end, so openpyxl's write-only workbook spools the rows to a temporary file, which is then streamed.
"""

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMATS = ("csv", "xlsx")
# A spreadsheet program reads a text cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_safe(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _plain(value):
    """Values a spreadsheet cell holds: local wall-clock times (Excel has no time zones)."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # Excel opens UTF-8 (and so Chinese) correctly only after a byte-order mark.
    yield "\ufeff" + writer.writerow([str(h) for h in header])
    for row in rows:
        yield writer.writerow([csv_safe(_plain(v)) for v in row])


def _xlsx_cell(sheet, value):
    value = _plain(value)
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):
        # openpyxl stores text starting with "=" as a formula: keep it text.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


SHEET_TITLE_BAD = str.maketrans({c: "-" for c in "[]:*?/\\"})


def _xlsx_file(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]):
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=str(title).translate(SHEET_TITLE_BAD)[:31] or "Sheet1")
        sheet.append([str(h) for h in header])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    book.save(spool)
    spool.seek(0)
    return spool


def table_response(
    *, fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence], extra_sheets: Sequence = ()
) -> HttpResponse:
    """The table as a download named `filename` (without extension) in `fmt` ("csv" or "xlsx").

    `extra_sheets`, (title, header, rows) each, follow the table in a workbook; a CSV has only the table.
    """
    if fmt == "xlsx":
        spool = _xlsx_file([(filename, header, rows), *extra_sheets])
        response = FileResponse(spool, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE)
    else:
        response = StreamingHttpResponse(_csv_lines(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"{filename}.csv")
    response["Cache-Control"] = "private, no-store"
    return response
