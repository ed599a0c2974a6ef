"""What a request may carry: how large its body is by kind, and what JSON the API reads.

Both hold before the expensive work: a body over its cap is refused (413) before it is read, and JSON that is
nested too deep, holds an integer of thousands of digits or text no column can store is refused (400) as it is
parsed, each with a machine code and a Chinese message, never a 500. Numbers a float cannot hold (1e999999,
NaN) stay infinite or NaN here: each typed field refuses them by name, so an offline batch refuses the one item.
Likewise an offline batch (a view marked `refused_item_by_item`) takes its items' text as it comes and refuses an
item with unstorable text on its own (`unstorable`), before anything of it reaches a column.
"""
from __future__ import annotations

import json
import re

import flask_smorest
from flask import current_app, request
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from backend.config import settings
from backend.errors import DomainError

FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
# A lone UTF-16 surrogate (JSON "\ud800") or NUL: text no database column (nor UTF-8) can store.
UNSTORABLE_TEXT = re.compile("[\ud800-\udfff\x00]")
UNSTORABLE_MESSAGE = "文本中含有无法保存的字符（孤立的 UTF-16 代理项或 NUL）"


def check_request() -> None:
    """Refuse a path or query string with text no column can store, and cap the body by its kind (JSON,
    form/multipart, anything else: the overall cap) before anything reads it; werkzeug then answers 413
    without reading further."""
    _check_texts([request.path, *_texts_of(request.args)])
    current = settings()
    limit = current.REQUEST_MAX_BYTES
    if is_json_request(request):
        limit = min(limit, current.REQUEST_MAX_JSON_BYTES)
    elif request.mimetype in FORM_TYPES:
        limit = min(limit, current.REQUEST_MAX_MULTIPART_BYTES)
    request.max_content_length = limit


def _refused(code: str, message: str) -> DomainError:
    return DomainError(message, code=code)


def _texts_of(values) -> list[str]:
    """Every name and value of a query string or form."""
    return [text for name, value in values.items(multi=True) for text in (name, value)]


def _check_texts(texts) -> None:
    if any(UNSTORABLE_TEXT.search(text) for text in texts):
        raise _refused("invalid_text", UNSTORABLE_MESSAGE)


def unstorable(value) -> bool:
    """Whether any text in a parsed JSON value (a name or a string, at any depth) cannot be stored."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and UNSTORABLE_TEXT.search(node):
            return True
        if isinstance(node, dict):
            stack.extend([*node.keys(), *node.values()])
        elif isinstance(node, list):
            stack.extend(node)
    return False


def refused_item_by_item(key: str):
    """Mark a MethodView whose JSON body holds a list `key` of items it refuses one by one: text no column can
    store inside one of them is left for the view to refuse with `unstorable`, not refused for the whole body."""
    def mark(view_class):
        view_class.items_refused_one_by_one = key
        return view_class
    return mark


def _check_shape(value, max_depth: int, items_key: str | None = None) -> None:
    """Refuse nesting deeper than `max_depth` and text that cannot be stored (except inside the items of a top-level
    list `items_key`), walking without recursion."""
    stack = [(value, 1, True)]
    while stack:
        node, depth, texts_checked = stack.pop()
        if isinstance(node, str):
            if texts_checked:
                _check_texts([node])
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth > max_depth:
            raise _refused("json_too_deep", f"JSON 嵌套超过 {max_depth} 层")
        if isinstance(node, dict):
            stack.extend((name, depth + 1, texts_checked) for name in node)
            stack.extend((child, depth + 1, texts_checked and not (depth == 1 and name == items_key
                                                                   and isinstance(child, list)))
                         for name, child in node.items())
        else:
            stack.extend((child, depth + 1, texts_checked) for child in node)


def read_json(body: bytes, max_depth: int, items_key: str | None = None):
    """The JSON of a request body, or a refusal (malformed JSON stays a JSONDecodeError for webargs); text inside
    the items of a top-level list `items_key` is left for the view to judge item by item."""
    try:
        value = json.loads(body.decode("utf-8"))
    except RecursionError:
        raise _refused("json_too_deep", f"JSON 嵌套超过 {max_depth} 层") from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer of thousands of digits (beyond Python's conversion limit)
        raise _refused("number_out_of_range", "JSON 中的整数位数过多") from None
    _check_shape(value, max_depth, items_key)
    return value


class JsonParser(FlaskParser):
    """webargs' parser reading JSON bodies through `read_json`."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        view = getattr(current_app.view_functions.get(req.endpoint), "view_class", None)
        return read_json(req.get_data(cache=True), settings().REQUEST_MAX_JSON_DEPTH,
                         getattr(view, "items_refused_one_by_one", None))

    def load_form(self, req, schema):
        _check_texts(_texts_of(req.form))
        return super().load_form(req, schema)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the hardened JSON parser: every API blueprint is one of these."""

    ARGUMENTS_PARSER = JsonParser()
