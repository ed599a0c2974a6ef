"""Image validation before anything is stored, and the CJK font drawn on images."""
import numpy as np
import pytest
from PIL import Image, ImageDraw

from backend.errors import Invalid
from backend.images import cjk_font, validate_image
from tests import photos


def _bomb() -> bytes:
    """A 20000×20000 PNG: a few kilobytes that would decode to 400 million pixels."""
    return photos.encode(Image.new("1", (20000, 20000)), "PNG")


def _exif_with(offset: int, patch: bytes) -> bytes:
    data = photos.encode(photos.astronaut(), exif=photos.camera_exif(taken="2026:03:01 09:30:00"))
    start = data.index(b"Exif\x00\x00") + 6 + offset
    return data[:start] + patch + data[start + len(patch):]


BAD_IMAGES = {
    "empty file": (lambda: b"", None, "not_an_image"),
    "truncated jpeg": (lambda: photos.encode(photos.astronaut())[:20000], "image/jpeg", "not_an_image"),
    "png decompression bomb": (_bomb, "image/png", "too_many_pixels"),
    "svg": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml",
            "not_an_image"),
    "polyglot jpeg + script": (lambda: photos.encode(photos.astronaut()) + b"<script>alert(1)</script>", "image/jpeg",
                               "trailing_data"),
    "polyglot png + php": (lambda: photos.encode(photos.coffee(), "PNG") + b"<?php system($_GET['c']); ?>", None,
                           "trailing_data"),
    "gif": (lambda: photos.encode(photos.coffee(), "GIF"), "image/gif", "not_an_image"),
    "jpeg declared as png": (lambda: photos.encode(photos.astronaut()), "image/png", "type_mismatch"),
    "png declared as text": (lambda: photos.encode(photos.coffee(), "PNG"), "text/plain", "type_mismatch"),
    "exif with a bad byte order": (lambda: _exif_with(0, b"XX"), "image/jpeg", "exif_malformed"),
    "exif pointing outside itself": (lambda: _exif_with(4, b"\x00\xff\xff\xff"), "image/jpeg", "exif_malformed"),
    "exif with an absurd entry count": (lambda: _exif_with(8, b"\xff\xff"), "image/jpeg", "exif_malformed"),
}


@pytest.mark.parametrize("case", BAD_IMAGES, ids=list(BAD_IMAGES))
def test_bad_images_are_refused_with_a_code_and_a_chinese_message(case):
    make, declared, code = BAD_IMAGES[case]
    with pytest.raises(Invalid) as refused:
        validate_image(make(), declared_type=declared)
    assert refused.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)


def test_size_limit_is_checked_before_decoding():
    data = photos.encode(photos.astronaut())
    with pytest.raises(Invalid) as refused:
        validate_image(data, max_bytes=len(data) - 1)
    assert refused.value.code == "file_too_large"
    assert validate_image(data, max_bytes=len(data)).width == 512


@pytest.mark.parametrize("fmt, declared", [("JPEG", "image/jpeg"), ("JPEG", "image/JPG"), ("PNG", "image/png"),
                                           ("JPEG", None), ("JPEG", "image/jpeg; charset=binary")])
def test_real_photos_pass_with_their_type(fmt, declared):
    checked = validate_image(photos.encode(photos.astronaut(), fmt), declared_type=declared)
    assert (checked.format, checked.mime, checked.width, checked.height) == (fmt, f"image/{fmt.lower()}", 512, 512)
    assert checked.image.getpixel((256, 256)) is not None


def test_progressive_jpeg_with_exif_passes_and_keeps_its_exif():
    exif = photos.camera_exif(taken="2026:03:01 09:30:00", gps=(31.2304, 121.4737))
    checked = validate_image(photos.encode(photos.astronaut(), exif=exif, progressive=True))
    assert checked.exif.get_ifd(0x8769)[0x9003] == "2026:03:01 09:30:00"
    assert checked.exif.get_ifd(0x8825)[1] == "N"


def test_exif_orientation_is_applied_for_downstream_use():
    landscape = photos.astronaut().crop((0, 0, 512, 300))
    checked = validate_image(photos.encode(landscape, exif=photos.camera_exif(orientation=6)))
    assert (checked.width, checked.height) == (300, 512)
    assert checked.image.size == (300, 512)


def _glyph(text: str) -> np.ndarray:
    canvas = Image.new("L", (80, 80), 0)
    ImageDraw.Draw(canvas).text((8, 4), text, font=cjk_font(56), fill=255)
    return np.asarray(canvas)


def test_cjk_font_draws_real_chinese_glyphs_not_boxes():
    notdef = _glyph("\U0010fffd")  # a private-use code point: no font has it, so this is the .notdef box
    glyphs = {char: _glyph(char) for char in "城管证据静安区"}
    for char, bitmap in glyphs.items():
        assert bitmap.sum() > 0, f"{char} drew nothing"
        assert not np.array_equal(bitmap, notdef), f"{char} drew the missing-glyph box"
    bitmaps = list(glyphs.values())
    assert all(not np.array_equal(a, b) for i, a in enumerate(bitmaps) for b in bitmaps[i + 1:])
