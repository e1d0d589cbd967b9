"""Sending a form with a file the two ways a browser can: with a Content-Length, or chunked."""

from __future__ import annotations

import io
from pathlib import Path

from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import csrf_token

MB = 1024 * 1024
PNG_START = b"\x89PNG\r\n\x1a\n"


def sized(size: int, start: bytes = PNG_START) -> bytes:
    """``size`` bytes that begin like a file of some kind; only their number matters here."""
    return start + bytes(size - len(start))


def send(
    client: FlaskClient,
    url: str,
    fields: dict[str, str],
    files: dict[str, tuple[bytes, str]],
    *,
    chunked: bool = False,
    **kwargs,
):
    """POST a multipart form with a valid CSRF token, the body encoded in memory.

    Encoded here rather than by the test client: for a large file the client spools to a file it
    never closes. Chunked, the request has no Content-Length and the WSGI server says it ends the
    stream itself (``wsgi.input_terminated``), as gunicorn does for a chunked request.
    """
    values: dict[str, object] = {**fields, "csrf_token": csrf_token(client)}
    for name, (data, filename) in files.items():
        values[name] = FileStorage(io.BytesIO(data), filename)
    boundary, body = encode_multipart(values)
    headers = dict(kwargs.pop("headers", {}))
    environ = dict(kwargs.pop("environ_overrides", {}))
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
        environ["wsgi.input_terminated"] = True
    response = client.post(
        url,
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers,
        environ_overrides=environ,
        **kwargs,
    )
    assert (response.request.content_length is None) == chunked
    return response


def stored_files(folder: Path) -> list[Path]:
    """Every file under folder, the hidden temporary ones included (none may be left)."""
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
