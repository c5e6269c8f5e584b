"""Streaming JSON readers shared by the parsers (memory flat in the number of records).

* :func:`iter_array` walks a top-level JSON array item by item with
  ``json.JSONDecoder.raw_decode`` over a buffered read: only the current item (plus one read
  chunk) is in memory, never the whole file.
* :func:`iter_object` walks a top-level JSON object member by member and hands a member whose
  value is an array (``{"results": [...]}``, ``{"notes": [...]}``) to :func:`iter_array`.
* :func:`iter_jsonl` reads JSON lines one line at a time.

Bytes are decoded as UTF-8 with ``surrogateescape``: an invalid byte does not stop the file, it
becomes a lone surrogate that :func:`bad_text_path` finds, so the parser can reject only the
record that holds it. An item that cannot be decoded comes back as a :class:`Broken` marker, never
as an exception. In an array a syntax error cannot be skipped reliably, so the array stops there
(the marker says so); in JSON lines the next line is read as usual.

Only a file that is not JSON of the expected shape at all raises
:class:`~graphdb.loaders.errors.FormatError` (see :func:`open_stream`).
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import FormatError

CHUNK = 1 << 20  # bytes read at a time
MAX_ITEM_CHARS = 256 << 20  # one record larger than this is rejected (and the array stops)
MAX_LINE_BYTES = 256 << 20
_WS = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(s: str) -> str:
    """Replace lone surrogates (invalid UTF-8 bytes, bad ``\\ud800`` escapes) with U+FFFD."""
    return _SURROGATE.sub("\ufffd", s)


@dataclass
class Broken:
    """An item that could not be decoded: why, and a short excerpt of it (clean UTF-8)."""

    reason: str
    raw: str | None = None
    stop: bool = False  # True when nothing after it could be read

    def __post_init__(self) -> None:
        if self.raw is not None:
            self.raw = clean_text(self.raw)


class _TooLarge(Exception):
    pass


class TextStream:
    """A file decoded incrementally into a sliding text buffer."""

    def __init__(self, path: str | os.PathLike[str], chunk: int | None = None, max_item: int | None = None):
        self.path = os.fspath(path)
        self._f = open(self.path, "rb")  # noqa: SIM115 - closed by close()/__exit__
        self._dec = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self.chunk = chunk or CHUNK  # read at call time, so tests can shrink it
        self.max_item = max_item or MAX_ITEM_CHARS
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.head = self._f.read(4096)
        self._feed(self.head)
        if self.buf.startswith("\ufeff"):
            self.pos = 1

    def _feed(self, data: bytes) -> None:
        if not data:
            self.buf += self._dec.decode(b"", final=True)
            self.eof = True
        else:
            self.buf += self._dec.decode(data)

    def fill(self, n: int | None = None) -> bool:
        """Read more text into the buffer; False at end of file."""
        if self.eof:
            return False
        if self.pos > (1 << 16) and self.pos > len(self.buf) // 2:
            self.buf = self.buf[self.pos:]
            self.pos = 0
        self._feed(self._f.read(max(n or 0, self.chunk)))
        return True

    def peek(self) -> str:
        """The next non-whitespace character ('' at end of file); whitespace is consumed."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def decode_value(self) -> Any:
        """Decode one JSON value at the cursor, reading more input as needed (amortised O(n))."""
        self.peek()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                truncated = e.msg.startswith("Unterminated string") or e.pos >= len(self.buf) - 16
                if self.eof or not truncated:
                    raise
                if len(self.buf) - self.pos > self.max_item:
                    raise _TooLarge() from None
                self.fill(len(self.buf) - self.pos)  # grow geometrically
                continue
            if end >= len(self.buf) and not self.eof:  # a number might go on in the next chunk
                self.fill()
                continue
            self.pos = end
            return obj

    def offset_hint(self) -> str:
        return f"near {self.buf[self.pos:self.pos + 60]!r}"

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> TextStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def describe(ts: TextStream) -> str:
    """What the start of a file looks like, for FormatError messages."""
    head = ts.head
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        return "an empty file"
    if b"\x00" in head[:1024]:
        return "binary data"
    text = head[:1024].decode("utf-8", "replace")
    if text.count("\ufffd") > max(4, len(text) // 20):
        return "binary data (not UTF-8 text)"
    c = ts.peek()
    low = text.lstrip("\ufeff \t\r\n")[:200].lower()
    if low.startswith(("<!doctype", "<html", "<?xml", "<")):
        return "HTML/XML"
    if c == "{":
        if first_value_is_one_line(ts):
            nl = ts.buf.find("\n", ts.pos)
            if nl >= 0 and ts.buf[nl:nl + 4096].strip():
                return "JSON lines (one object per line)"
        return "a JSON object"
    if c == "[":
        return "a JSON array"
    if c in '"-0123456789tfn':
        return "a bare JSON value"
    return "text that is not JSON"


def open_stream(path: str | os.PathLike[str], expected: str) -> TextStream:
    """Open a JSON file; raise FormatError if it is empty, binary or HTML."""
    try:
        ts = TextStream(path)
    except IsADirectoryError:
        raise FormatError(path, expected, "a directory") from None
    found = describe(ts)
    if found.startswith(("an empty", "binary", "HTML", "text that")):
        ts.close()
        raise FormatError(path, expected, found)
    return ts


def _excerpt(ts: TextStream, n: int = 200) -> str:
    return ts.buf[ts.pos:ts.pos + n]


def iter_array(ts: TextStream) -> Iterator[Any]:
    """Items of the JSON array whose '[' was just consumed; Broken markers for bad ones."""
    first = True
    while True:
        c = ts.peek()
        if c == "]":
            ts.pos += 1
            return
        if not first:
            if c != ",":
                yield Broken(f"invalid JSON: expected ',' or ']' between records {ts.offset_hint()}; "
                             "the rest of the array was not read", _excerpt(ts), stop=True)
                return
            ts.pos += 1
            c = ts.peek()
            if c == "]":  # tolerate a trailing comma
                ts.pos += 1
                return
        if c == "":
            yield Broken("unexpected end of file: the array is not closed", None, stop=True)
            return
        start_excerpt = _excerpt(ts)
        try:
            obj = ts.decode_value()
        except json.JSONDecodeError as e:
            yield Broken(f"invalid JSON: {e.msg}; the rest of the array was not read", start_excerpt, stop=True)
            return
        except RecursionError:
            yield Broken("invalid JSON: nested too deeply; the rest of the array was not read",
                         start_excerpt, stop=True)
            return
        except _TooLarge:
            yield Broken(f"record larger than {ts.max_item} characters; the rest of the array was not read",
                         start_excerpt, stop=True)
            return
        first = False
        yield obj


def iter_object(ts: TextStream, stream_keys: frozenset[str] | set[str]) -> Iterator[tuple[str | None, Any]]:
    """Members of the JSON object whose '{' was just consumed.

    A member in ``stream_keys`` whose value is an array is yielded as ``(key, iterator)``; the
    caller must exhaust the iterator before asking for the next member. A structural error
    yields ``(None, Broken(...))`` and ends the walk.
    """
    first = True
    while True:
        c = ts.peek()
        if c == "}":
            ts.pos += 1
            return
        if not first:
            if c != ",":
                yield None, Broken(f"invalid JSON: expected ',' or '}}' {ts.offset_hint()}", _excerpt(ts), True)
                return
            ts.pos += 1
            c = ts.peek()
        if c != '"':
            yield None, Broken(f"invalid JSON: expected a member name {ts.offset_hint()}", _excerpt(ts), True)
            return
        try:
            key = ts.decode_value()
        except (json.JSONDecodeError, _TooLarge):
            yield None, Broken("invalid JSON: bad member name", _excerpt(ts), True)
            return
        if ts.peek() != ":":
            yield None, Broken(f"invalid JSON: expected ':' {ts.offset_hint()}", _excerpt(ts), True)
            return
        ts.pos += 1
        first = False
        if key in stream_keys and ts.peek() == "[":
            ts.pos += 1
            yield key, iter_array(ts)
            continue
        try:
            value = ts.decode_value()
        except json.JSONDecodeError as e:
            yield None, Broken(f"invalid JSON in member {key!r}: {e.msg}", _excerpt(ts), True)
            return
        except RecursionError:
            yield None, Broken(f"invalid JSON in member {key!r}: nested too deeply", _excerpt(ts), True)
            return
        except _TooLarge:
            yield None, Broken(f"member {key!r} larger than {ts.max_item} characters", None, True)
            return
        yield key, value


def first_value_is_one_line(ts: TextStream) -> bool:
    """True if the file looks like JSON lines: its first value ends on its first line."""
    c = ts.peek()
    start = ts.pos
    while True:
        nl = ts.buf.find("\n", start)
        if nl >= 0 or ts.eof:
            break
        if len(ts.buf) - start > MAX_LINE_BYTES or not ts.fill():
            break
    line = ts.buf[start:nl if nl >= 0 else len(ts.buf)].strip()
    if c != "{" and c != "[":
        return False
    try:
        _DECODER.decode(line)
        return True
    except (json.JSONDecodeError, RecursionError):
        pass
    # The first line is not a complete value. Broken JSON lines or a pretty-printed document?
    # A pretty-printed object's first line is "{" or '{"key": ...' with an open bracket.
    return len(line) > 1 and not line.endswith(("{", "[", ",", ":"))


def iter_jsonl(path: str | os.PathLike[str], max_line: int = MAX_LINE_BYTES) -> Iterator[tuple[int, Any]]:
    """(line number, value or Broken) for every non-blank line; line numbers are 1-based."""
    with open(path, "rb") as f:
        n = 0
        while True:
            raw = f.readline(max_line + 1)
            if not raw:
                return
            n += 1
            if len(raw) > max_line and not raw.endswith(b"\n"):
                while True:  # skip the rest of the over-long line without holding it
                    more = f.readline(CHUNK)
                    if not more or more.endswith(b"\n"):
                        break
                yield n, Broken(f"line longer than {max_line} bytes", raw[:200].decode("utf-8", "replace"))
                continue
            s = raw.decode("utf-8", "surrogateescape")
            if n == 1:
                s = s.lstrip("\ufeff")
            s = s.strip()
            if not s:
                continue
            try:
                yield n, json.loads(s)
            except json.JSONDecodeError as e:
                yield n, Broken(f"invalid JSON: {e.msg} (column {e.colno})", s[:200])
            except RecursionError:
                yield n, Broken("invalid JSON: nested too deeply", s[:200])


def bad_text_path(value: Any, path: str = "", depth: int = 0) -> str | None:
    """The path of the first string holding invalid UTF-8 / a lone surrogate, or None."""
    if isinstance(value, str):
        return path or "value" if _SURROGATE.search(value) else None
    if depth > 50:
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            p = bad_text_path(v, f"{path}.{k}" if path else str(k), depth + 1)
            if p:
                return p
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            p = bad_text_path(v, f"{path}[{i}]", depth + 1)
            if p:
                return p
    return None


def excerpt(value: Any, limit: int = 2000) -> Any:
    """A bounded copy of a raw record for a Reject (huge strings and deep values cut)."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, RecursionError, TypeError):
        text = repr(type(value))
    if len(text) <= limit:
        return clean_text(text) if _SURROGATE.search(text) else value
    return clean_text(text[:limit]) + "...[truncated]"


# ---------------------------------------------------------------------------------------------
# Helpers every parser shares: venue/year from a file name, field checks, record checks.

VENUE_NAMES = {
    "nips": "NeurIPS", "neurips": "NeurIPS", "iclr": "ICLR", "icml": "ICML", "cvpr": "CVPR",
    "iccv": "ICCV", "eccv": "ECCV", "wacv": "WACV", "acl": "ACL", "emnlp": "EMNLP", "naacl": "NAACL",
    "eacl": "EACL", "coling": "COLING", "colm": "COLM", "aaai": "AAAI", "ijcai": "IJCAI", "kdd": "KDD",
    "www": "WWW", "sigir": "SIGIR", "corl": "CoRL", "aistats": "AISTATS", "uai": "UAI", "colt": "COLT",
    "icra": "ICRA", "iros": "IROS", "rss": "RSS", "mlsys": "MLSys", "tmlr": "TMLR", "iclrw": "ICLR Workshop",
    "siggraph": "SIGGRAPH", "siggraphasia": "SIGGRAPH Asia", "interspeech": "Interspeech", "icassp": "ICASSP",
    "miccai": "MICCAI", "acmmm": "ACM MM", "wsdm": "WSDM", "recsys": "RecSys", "ecai": "ECAI",
    "alt": "ALT", "3dv": "3DV", "bmvc": "BMVC", "ijcnlp": "IJCNLP", "aacl": "AACL",
}
_NAME_YEAR = re.compile(r"^([a-z0-9]*?[a-z])[_-]?((?:19|20)\d{2})(?!\d)")


def venue_year_from_filename(path: str | os.PathLike[str]) -> tuple[str | None, int | None]:
    """``nips2018.json`` -> ("NeurIPS", 2018); ``naacl2024`` -> ("NAACL", 2024); unknown -> (None, None).

    An unknown prefix with a year (``foo2021.json``) gives ("FOO", 2021).
    """
    base = os.path.basename(os.fspath(path)).lower()
    m = _NAME_YEAR.match(base)
    if not m:
        return None, None
    prefix, year = m.group(1), int(m.group(2))
    return VENUE_NAMES.get(prefix, prefix.upper()), year


def type_name(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number",
            bool: "a boolean", type(None): "null"}.get(type(v), type(v).__name__)


MAX_TITLE = 2000
MAX_NAME = 500
MAX_AFFILIATION = 20000
MAX_ABSTRACT = 200000
MAX_AUTHORS = 5000


def check_record(rec: Any) -> str | None:
    """A reason if a built PaperRecord is unusable (absurd sizes, invalid UTF-8), else None.

    Also drops ``extra`` entries holding invalid UTF-8 (they are never worth a reject).
    """
    if rec.extra:
        rec.extra = {k: v for k, v in rec.extra.items() if not bad_text_path(v)}
    if len(rec.title) > MAX_TITLE:
        return f"field 'title': too long ({len(rec.title)} characters, limit {MAX_TITLE})"
    if len(rec.authors) > MAX_AUTHORS:
        return f"field 'authors': too many ({len(rec.authors)}, limit {MAX_AUTHORS})"
    if rec.abstract is not None and len(rec.abstract) > MAX_ABSTRACT:
        return f"field 'abstract': too long ({len(rec.abstract)} characters, limit {MAX_ABSTRACT})"
    for f in ("title", "abstract", "source_id", "track", "status"):
        v = getattr(rec, f)
        if isinstance(v, str) and _SURROGATE.search(v):
            return f"field '{f}': invalid UTF-8 or lone surrogate"
    for a in rec.authors:
        if len(a.name) > MAX_NAME:
            return f"field 'authors[{a.position}].name': too long ({len(a.name)} characters, limit {MAX_NAME})"
        if a.raw_affiliation is not None and len(a.raw_affiliation) > MAX_AFFILIATION:
            return f"field 'authors[{a.position}].affiliation': too long ({len(a.raw_affiliation)} characters)"
        for f in ("name", "raw_affiliation", "openreview_id", "orcid", "openalex_id", "email_domain"):
            v = getattr(a, f)
            if isinstance(v, str) and _SURROGATE.search(v):
                return f"field 'authors[{a.position}].{f}': invalid UTF-8 or lone surrogate"
        for inst in a.institutions:
            if _SURROGATE.search(inst.name) or len(inst.name) > MAX_AFFILIATION:
                return f"field 'authors[{a.position}].institutions': invalid UTF-8 or too long"
    return None


def first_is_record(parse: Any, path: str | os.PathLike[str]) -> bool:
    """True if ``parse(path)`` opens without FormatError and its first item is a PaperRecord."""
    from .records import PaperRecord

    try:
        it = parse(path)
    except (FormatError, OSError):
        return False
    try:
        first = next(it, None)
    finally:
        close = getattr(it, "close", None)
        if close:
            close()
    return isinstance(first, PaperRecord)


def guarded_build(source: str, build: Any, obj: Any, path: str, position: str, *args: Any) -> Any:
    """``build(obj, path, position, *args)`` -> a checked PaperRecord, or a Reject naming the field.
    Never raises: an unexpected error in one record becomes that record's Reject."""
    from .records import Reject

    try:
        rec = build(obj, path, position, *args)
    except Exception as e:  # a last guard: a bad record must never stop the file
        return Reject(source, path, position, f"unexpected error: {type(e).__name__}: {e}", excerpt(obj))
    if isinstance(rec, Reject):
        return rec
    reason = check_record(rec)
    return Reject(source, path, position, reason, excerpt(obj)) if reason else rec
