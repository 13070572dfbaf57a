"""Reading what an export or a template download returns, and making upload files."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def xlsx_rows(response, sheet: int = 0) -> list[list]:
    book = load_workbook(io.BytesIO(body(response)), read_only=True)
    return [list(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]


def xlsx_cells(response) -> list:
    """Every cell of the first sheet with its data type, to see that no text became a formula."""
    book = load_workbook(io.BytesIO(body(response)))
    return [cell for row in book.worksheets[0].iter_rows() for cell in row]


def xlsx_upload(rows: list[list], name: str = "files.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def csv_upload(rows: list[list], name: str = "files.csv", encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding), content_type="text/csv")
