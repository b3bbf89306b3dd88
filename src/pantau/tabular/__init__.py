"""Reading and writing the tables users bring: CSV in any encoding and separator, XLSX.

Every importer reads through `read_table`, so BOMs, Latin-1, semicolons, title rows
above the header, HXL hashtag rows and Excel dates are handled once, here.
"""

from pantau.tabular.read import Row, Table, read_table
from pantau.tabular.values import parse_date, parse_float, parse_int
from pantau.tabular.write import safe_cell, write_table

__all__ = [
    "Row", "Table", "parse_date", "parse_float", "parse_int", "read_table", "safe_cell",
    "write_table",
]
