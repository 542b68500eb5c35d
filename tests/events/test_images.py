"""Tests for upload checks and re-encoding, with real images made by Pillow in memory."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from events import images


def image_bytes(fmt: str, size=(400, 300), mode="RGB", **save_kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 60, 40) if mode == "RGB" else None).save(buffer, fmt, **save_kwargs)
    return buffer.getvalue()


def upload(data: bytes, name="picture.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def error_of(file, rules=images.COVER) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        images.process_image(file, rules)
    return caught.value


@pytest.mark.parametrize(("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"), ("GIF", "png")])
def test_process_image_reencodes_accepted_formats(fmt, extension):
    result = images.process_image(upload(image_bytes(fmt), name="holiday.PNG"), images.COVER)

    reopened = Image.open(io.BytesIO(result.read()))
    assert reopened.size == (400, 300)
    assert reopened.format == {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[extension]
    assert result.name.endswith(f".{extension}")
    assert "holiday" not in result.name
    assert len(result.name) == 32 + 1 + len(extension)


def test_process_image_strips_exif_metadata():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0131] = "Secret editor"  # Software
    original = image_bytes("JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(original)).getexif()[0x010F] == "SpyCam Inc."

    result = images.process_image(upload(original, name="photo.jpg"), images.COVER)

    data = result.read()
    cleaned = Image.open(io.BytesIO(data))
    assert dict(cleaned.getexif()) == {}
    assert "exif" not in cleaned.info
    assert b"SpyCam" not in data


def test_process_image_applies_the_exif_orientation_before_dropping_it():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise: the picture is shown 300 wide, 400 high
    original = image_bytes("JPEG", size=(400, 300), exif=exif.tobytes())

    result = images.process_image(upload(original, name="phone.jpg"), images.COVER)

    assert Image.open(io.BytesIO(result.read())).size == (300, 400)


def test_process_image_strips_png_text_chunks():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "GPS 48.85,2.35")
    original = image_bytes("PNG", pnginfo=info)

    data = images.process_image(upload(original), images.COVER).read()

    assert b"GPS 48.85" not in data
    assert Image.open(io.BytesIO(data)).info.get("Comment") is None


def test_process_image_keeps_transparency_in_png():
    original = image_bytes("PNG", mode="RGBA")

    reopened = Image.open(io.BytesIO(images.process_image(upload(original), images.COVER).read()))

    assert reopened.mode == "RGBA"


def test_process_image_scales_down_very_large_images():
    original = image_bytes("PNG", size=(4800, 1200))

    reopened = Image.open(io.BytesIO(images.process_image(upload(original), images.COVER).read()))

    assert reopened.size == (2400, 600)


def test_process_image_refuses_a_text_file_renamed_png():
    error = error_of(upload(b"hello, I am not a picture\n" * 20, name="fake.png"))

    assert error.code == "not_image"
    assert error.messages == ["This file is not an image we can use. Upload a JPEG, PNG, WebP or GIF picture."]


def test_process_image_refuses_other_image_formats():
    error = error_of(upload(image_bytes("BMP"), name="old.bmp", content_type="image/bmp"))

    assert error.code == "not_image"


def test_process_image_refuses_a_truncated_png():
    noisy = io.BytesIO()
    Image.effect_noise((800, 600), 80).convert("RGB").save(noisy, "PNG")
    data = noisy.getvalue()

    error = error_of(upload(data[: len(data) // 2]))

    assert error.code == "damaged"
    assert error.messages == ["This image is damaged or incomplete. Export it again and upload the new file."]


def test_process_image_refuses_an_empty_file():
    assert error_of(upload(b"")).code == "empty"


def test_process_image_refuses_a_too_small_image():
    error = error_of(upload(image_bytes("PNG", size=(199, 100))))

    assert error.code == "too_small"
    assert error.messages == ["The image is too small: 199×100 pixels, at least 200×100."]


def test_process_image_refuses_too_many_pixels_before_decoding_them():
    error = error_of(upload(image_bytes("PNG", size=(6001, 200))))

    assert error.code == "too_many_pixels"
    assert error.messages == ["The image is too big: 6001×200 pixels, at most 6000×6000."]


def test_process_image_refuses_a_decompression_bomb():
    # A tiny PNG that claims 20000×20000 pixels: refused from its header, nothing is decoded.
    bomb = image_bytes("PNG", size=(20000, 20000), mode="1")

    error = error_of(upload(bomb))

    assert len(bomb) < 200_000
    assert error.code == "too_many_pixels"


def test_process_image_refuses_files_over_5_mb():
    noisy = io.BytesIO()
    Image.effect_noise((1800, 1800), 100).convert("RGB").save(noisy, "PNG")
    assert noisy.tell() > 5 * 1024 * 1024

    error = error_of(upload(noisy.getvalue()))

    assert error.code == "too_big"
    assert error.messages == ["The image is too large: at most 5.0\xa0MB."]


def test_process_image_refuses_a_file_that_lies_about_its_size():
    big = upload(b"\x89PNG" + b"0" * (5 * 1024 * 1024))
    big.size = 10

    assert error_of(big).code == "too_big"


def test_logo_rules_accept_small_square_logos():
    result = images.process_image(upload(image_bytes("PNG", size=(64, 64))), images.LOGO)

    assert Image.open(io.BytesIO(result.read())).size == (64, 64)
