"""Ticket QR codes: SVG for pages, PNG for e-mails, carrying the ticket secret and nothing personal."""

import io
import struct
import xml.etree.ElementTree as ET

import pytest
import qrcode
from PIL import Image

from attendees.qr import QUIET_ZONE, qr_png, qr_svg
from attendees.secrets import new_ticket_secret

SVG = "{http://www.w3.org/2000/svg}"
SECRET = "Zm9vYmFyYmF6cXV4X3NlY3JldC0xMjM0"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 (our own output, not untrusted input)


def _modules(secret: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(secret)
    code.make(fit=True)
    return code.modules_count


def test_qr_svg_is_one_scalable_svg_with_a_path_on_white():
    root = _parse(qr_svg(SECRET))
    size = _modules(SECRET) + 2 * QUIET_ZONE

    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {size} {size}"
    assert root.get("width") is None and root.get("height") is None
    assert root.get("class") == "qr"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Ticket QR code"
    children = list(root)
    assert [child.tag for child in children] == [f"{SVG}rect", f"{SVG}path"]
    assert children[0].get("fill") == "white"
    assert children[0].get("width") == "100%"
    assert children[1].get("fill") == "#000000"
    assert children[1].get("d").startswith(f"M{QUIET_ZONE},{QUIET_ZONE}H")
    assert all(element.get("id") is None for element in root.iter())


def test_qr_svg_label_is_escaped():
    markup = qr_svg(SECRET, label='Ticket "A" <b>')

    assert _parse(markup).get("aria-label") == 'Ticket "A" <b>'
    assert "<b>" not in markup


def test_qr_svg_encodes_only_the_secret():
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(SECRET)
    code.make(fit=True)
    expected_path = "".join(
        f"M{c + QUIET_ZONE},{r + QUIET_ZONE}H{c + QUIET_ZONE + 1}V{r + QUIET_ZONE + 1}H{c + QUIET_ZONE}z"
        for r, row in enumerate(code.modules)
        for c, dark in enumerate(row)
        if dark
    )

    assert [d.data for d in code.data_list] == [SECRET.encode()]
    assert _parse(qr_svg(SECRET))[1].get("d") == expected_path


def test_qr_svg_differs_per_secret():
    assert qr_svg(new_ticket_secret()) != qr_svg(new_ticket_secret())


def test_qr_png_is_a_black_and_white_png_with_quiet_zone():
    data = qr_png(SECRET, box_size=8)
    size = (_modules(SECRET) + 2 * QUIET_ZONE) * 8

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (size, size)
    image = Image.open(io.BytesIO(data)).convert("L")
    assert image.size == (size, size)
    # The quiet zone is white all round; the top-left finder pattern starts dark right after it.
    quiet = QUIET_ZONE * 8
    assert {image.getpixel((x, y)) for x in range(size) for y in range(quiet)} == {255}
    assert {image.getpixel((x, y)) for x in range(quiet) for y in range(size)} == {255}
    assert image.getpixel((quiet, quiet)) == 0


def test_qr_png_default_box_size_is_ten_pixels_a_module():
    image = Image.open(io.BytesIO(qr_png(SECRET)))

    assert image.size == ((_modules(SECRET) + 2 * QUIET_ZONE) * 10,) * 2


def test_qr_outputs_hold_nothing_personal():
    markup = qr_svg(SECRET)
    png = qr_png(SECRET)

    assert "@" not in markup
    for personal in ("alex@example.com", "Alex Martin"):
        assert personal.encode() not in png
    assert SECRET not in markup  # the secret is drawn, not written out
    assert _png_chunks(png) == ["IHDR", "IDAT", "IEND"]  # no text chunks, no metadata


def _png_chunks(data: bytes) -> list[str]:
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        chunks.append(data[offset + 4 : offset + 8].decode("ascii"))
        offset += 12 + length
    return chunks


@pytest.mark.parametrize("bad", ["", None, 42])
def test_qr_refuses_a_missing_secret(bad):
    with pytest.raises(ValueError, match="needs the ticket secret"):
        qr_svg(bad)
    with pytest.raises(ValueError, match="needs the ticket secret"):
        qr_png(bad)
