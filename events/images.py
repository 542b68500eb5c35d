"""Uploaded images (logos, covers): checked by content, then re-encoded so only pixels are kept."""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow format name -> (format written back, file extension). GIFs become PNGs: one still frame.
ACCEPTED_FORMATS = {
    "JPEG": ("JPEG", "jpg"),
    "PNG": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
    "GIF": ("PNG", "png"),
}


@dataclass(frozen=True)
class ImageRules:
    max_bytes: int
    min_width: int
    min_height: int
    max_width: int
    max_height: int
    # Larger images are scaled down to fit this box: pages never need more, and files stay light.
    fit_within: int


COVER = ImageRules(
    max_bytes=5 * 1024 * 1024, min_width=200, min_height=100, max_width=6000, max_height=6000, fit_within=2400
)
LOGO = ImageRules(
    max_bytes=5 * 1024 * 1024, min_width=64, min_height=64, max_width=6000, max_height=6000, fit_within=800
)


def _read(upload, rules: ImageRules) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > rules.max_bytes:
        raise _too_big(rules)
    upload.seek(0)
    # Read one byte more than allowed, so a file that lies about its size is caught too.
    data = upload.read(rules.max_bytes + 1)
    if len(data) > rules.max_bytes:
        raise _too_big(rules)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data


def _too_big(rules: ImageRules) -> ValidationError:
    return ValidationError(
        _("The image is too large: at most %(size)s.") % {"size": filesizeformat(rules.max_bytes)}, code="too_big"
    )


def process_image(upload, rules: ImageRules) -> ContentFile:
    """Check an uploaded file and return a freshly encoded copy with a random name.

    The type comes from the file's content, never its name; dimensions are checked before any pixel
    is decoded (so a "decompression bomb" is refused without using memory); the copy carries no
    metadata (EXIF, GPS, comments) and nothing that is not part of the picture. Raises ValidationError
    with a message that says what to do.
    """
    data = _read(upload, rules)
    not_an_image = ValidationError(
        _("This file is not an image we can use. Upload a JPEG, PNG, WebP or GIF picture."), code="not_image"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image is too big: at most %(max_w)d×%(max_h)d pixels.")
            % {"max_w": rules.max_width, "max_h": rules.max_height},
            code="too_many_pixels",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None
    if image.format not in ACCEPTED_FORMATS:
        raise not_an_image
    width, height = image.size
    if width > rules.max_width or height > rules.max_height:
        raise ValidationError(
            _("The image is too big: %(width)d×%(height)d pixels, at most %(max_w)d×%(max_h)d.")
            % {"width": width, "height": height, "max_w": rules.max_width, "max_h": rules.max_height},
            code="too_many_pixels",
        )
    if width < rules.min_width or height < rules.min_height:
        raise ValidationError(
            _("The image is too small: %(width)d×%(height)d pixels, at least %(min_w)d×%(min_h)d.")
            % {"width": width, "height": height, "min_w": rules.min_width, "min_h": rules.min_height},
            code="too_small",
        )
    out_format, extension = ACCEPTED_FORMATS[image.format]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.seek(0)  # the first frame of an animation
            image.load()
            # Phones store "rotate me" in EXIF; apply it before the EXIF goes away.
            image = ImageOps.exif_transpose(image)
            image = _normalise_mode(image, out_format)
            image.thumbnail((rules.fit_within, rules.fit_within), Image.Resampling.LANCZOS)
            output = io.BytesIO()
            # A fresh image built from the pixels only: no info, EXIF, ICC or XMP chunk survives.
            clean = Image.new(image.mode, image.size)
            clean.paste(image)
            clean.save(output, format=out_format, **_save_options(out_format))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("This image is damaged or incomplete. Export it again and upload the new file."), code="damaged"
        ) from None
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def _normalise_mode(image: Image.Image, out_format: str) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if out_format == "JPEG":
        return image.convert("RGB") if image.mode not in ("RGB", "L") else image
    if has_alpha:
        return image.convert("RGBA") if image.mode != "RGBA" else image
    return image.convert("RGB") if image.mode not in ("RGB", "L") else image


def _save_options(out_format: str) -> dict:
    if out_format == "JPEG":
        return {"quality": 85, "optimize": True, "progressive": True}
    if out_format == "WEBP":
        return {"quality": 85, "method": 4}
    return {"optimize": True}
