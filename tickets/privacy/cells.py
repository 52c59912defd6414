"""One rule for every cell we write into a file a spreadsheet program opens (CSV and XLSX exports).

* A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula (or is
  read as one) by Excel, LibreOffice and Google Sheets: a WhatsApp profile name such as
  ``=HYPERLINK("http://…","klik")`` would become a live link in the admin's spreadsheet (CSV/formula
  injection). Spreadsheets skip leading blanks before they look (``' =1+2'``, ``'\n@SUM(A1)'``), and
  some fold full-width signs (``＝``) to ASCII: a text whose first character after blanks (space,
  tab, CR, LF, no-break and ideographic space) is one of those signs is a formula too. Such a text
  gets a leading apostrophe, so it stays the text it was.
* XML 1.0 cannot hold the control characters U+0000–U+0008, U+000B, U+000C and U+000E–U+001F
  (openpyxl refuses them with ``IllegalCharacterError``), the noncharacters U+FFFE and U+FFFF and lone
  surrogates (openpyxl writes those, and the file is then not well-formed: no spreadsheet opens it):
  they are removed, in CSV too, so both formats say the same.

Values that are not text (numbers, dates, None) pass unchanged.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_BLANKS = " \t\r\n\u00a0\u3000\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\ufeff"
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def cell_text(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell (see the module's docstring)."""
    if not isinstance(value, str):
        return value
    value = _NOT_IN_XML.sub("", value)
    if value.startswith(("\t", "\r")):
        return "'" + value
    first = value.lstrip(_BLANKS)
    if first.startswith(FORMULA_STARTS) and first != "-":  # a lone dash (the office's zero) is no formula
        return "'" + value
    return value


def cells(values) -> list:
    """Every value of a row through :func:`cell_text`."""
    return [cell_text(v) for v in values]
