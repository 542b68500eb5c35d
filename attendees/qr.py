"""QR codes of tickets: inline SVG for pages, PNG for e-mails; both carry the ticket secret and nothing else."""

import io
import xml.etree.ElementTree as ET

import qrcode
import qrcode.constants
import qrcode.image.pil
import qrcode.image.svg
from django.utils.translation import gettext as _

# M (15% recovery) keeps a 32-character secret at version 3: big modules, easy to scan from a scratched screen.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
# The quiet zone the QR standard asks for: four modules of white around the code.
QUIET_ZONE = 4


def _qr(secret: str, **kwargs) -> qrcode.QRCode:
    if not isinstance(secret, str) or not secret:
        raise ValueError("a QR code needs the ticket secret")
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE, **kwargs)
    code.add_data(secret)
    code.make(fit=True)
    return code


def qr_svg(secret: str, *, label: str | None = None) -> str:
    """Inline `<svg>` markup for `secret`: one path on a white square (quiet zone included), sized by CSS.

    Safe to mark_safe: qrcode builds it from the encoded modules, and the only text in it is `label`, escaped.
    """
    # The plain SvgImage draws one <rect> per module with mm units that render blank inside HTML; the path
    # variant (with its white fill) is one element that scales with the viewBox.
    image = _qr(secret, image_factory=qrcode.image.svg.SvgPathFillImage).make_image()
    svg = image.get_image()
    for attribute in ("width", "height"):
        svg.attrib.pop(attribute, None)  # the page sizes it (CSS), the viewBox keeps it square
    svg.set("class", "qr")
    svg.set("role", "img")
    svg.set("aria-label", label or _("Ticket QR code"))
    svg.set("shape-rendering", "crispEdges")
    for element in svg.iter():
        element.attrib.pop("id", None)  # several tickets on one page: no duplicate ids
    ET.register_namespace("", "http://www.w3.org/2000/svg")
    return ET.tostring(svg, encoding="unicode")


def qr_png(secret: str, *, box_size: int = 10) -> bytes:
    """A PNG of the QR code for `secret`, `box_size` pixels per module, black on white with the quiet zone."""
    image = _qr(secret, box_size=box_size, image_factory=qrcode.image.pil.PilImage).make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
