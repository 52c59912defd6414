"""The API's JSON parser: DRF's, with a body nested too deep for Python's parser (``[[[[…`` thousands
deep: a RecursionError, a 500) answered as any malformed JSON is, 400."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONParserNoRecursion(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc
