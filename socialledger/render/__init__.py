"""Renderings of what the application's queries return, for people and their tools.

`calendar` writes the publication plan as iCalendar (RFC 5545), `report` the
interim report as a PDF with charts, `workbook` the same tables as an Excel
workbook. They take plain results (the TypedDicts of `socialledger.app.results`,
as plain values) and import nothing of the application: the layer contract puts
them beside `projections` and `archive`. Their heavy libraries (matplotlib,
WeasyPrint, openpyxl) are imported when a rendering is asked for, so that the
CLI starts quickly.
"""
