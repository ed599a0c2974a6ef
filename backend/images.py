"""Uploaded images: validated before anything is stored (JPEG and PNG only), and the CJK font to draw on them."""
from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import manimgx_fonts_cjk
from PIL import Image, ImageFont, ImageOps, UnidentifiedImageError

from backend.config import settings
from backend.errors import Invalid

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}
_MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}

CJK_FONT_FILE = Path(manimgx_fonts_cjk.__file__).with_name("NotoSansCJK-VF.otf.ttc")
_FONT_INDEX_SC = 2  # the collection holds JP, KR, SC, TC, HK; SC is simplified Chinese


@dataclass(frozen=True)
class ValidatedImage:
    format: str  # "JPEG" | "PNG"
    mime: str
    width: int  # after the EXIF orientation is applied
    height: int
    image: Image.Image  # decoded, upright (EXIF orientation applied)
    exif: Image.Exif  # of the original file (capture time, GPS …)


def normalize_mime(content_type: str | None) -> str | None:
    """'image/JPG; charset=x' → 'image/jpeg'; None or blank stays None."""
    if not content_type or not content_type.strip():
        return None
    mime = content_type.split(";", 1)[0].strip().lower()
    return _ALIASES.get(mime, mime)


def validate_image(data: bytes, *, declared_type: str | None = None, max_bytes: int | None = None) -> ValidatedImage:
    """Check size, magic bytes, declared type, pixel count, a full decode and the EXIF block; refuse with Invalid.

    The pixel count (IMAGE_MAX_PIXELS) is read from the header before any pixel is decoded: a few
    kilobytes of PNG can declare 64 million pixels, 190 MB once decoded.
    """
    limit = max_bytes or DEFAULT_MAX_BYTES
    if len(data) > limit:
        raise Invalid(f"图片过大：最大 {_size_text(limit)}", code="file_too_large")
    if not data:
        raise Invalid("文件为空", code="not_an_image")
    kind = next((fmt for magic, fmt in _MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise Invalid("不是有效的图片：仅支持 JPEG 和 PNG", code="not_an_image")
    declared = normalize_mime(declared_type)
    if declared is not None and declared != MIME_TYPES[kind]:
        raise Invalid(f"文件内容是 {kind}，与声明的类型 {declared} 不符", code="type_mismatch")
    image = _decode(data, kind)
    end = _image_end(data, kind)
    if end is None or data[end:].strip(b"\x00"):
        raise Invalid("图片文件末尾附带了其他内容，已拒收", code="trailing_data")
    exif = _read_exif(image)
    ImageOps.exif_transpose(image, in_place=True)
    return ValidatedImage(kind, MIME_TYPES[kind], image.width, image.height, image, exif)


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB" if size >= 1024 * 1024 else f"{size / 1024:.3g} KB"


def _decode(data: bytes, kind: str) -> Image.Image:
    """Open (header only), check the pixel count, verify the structure, then decode every pixel."""
    max_pixels = settings().IMAGE_MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != kind:
                raise Invalid("不是有效的图片：仅支持 JPEG 和 PNG", code="not_an_image")
            if probe.width * probe.height > max_pixels:
                raise _too_many_pixels(max_pixels)
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
        return image
    except Image.DecompressionBombError:
        raise _too_many_pixels(max_pixels) from None
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise Invalid("图片已损坏或不完整，无法解码", code="not_an_image") from error


def _too_many_pixels(max_pixels: int) -> Invalid:
    return Invalid(
        f"图片像素过多：最多 {max_pixels / 1_000_000:g} 百万像素，请用手机的标准拍照模式", code="too_many_pixels"
    )


def _read_exif(image: Image.Image) -> Image.Exif:
    """The EXIF block, fully parsed; a block that is present but structurally broken is refused."""
    block = image.info.get("exif")
    if block and not _tiff_is_sound(block.removeprefix(b"Exif\x00\x00")):
        raise Invalid("图片的 EXIF 信息已损坏", code="exif_malformed")
    return image.getexif()


_TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
_SUB_IFD_TAGS = {0x8769, 0x8825, 0xA005}  # Exif, GPS, interoperability


def _tiff_is_sound(block: bytes) -> bool:
    """Whether every directory and value of a TIFF (EXIF) structure lies inside the block.

    Pillow only warns about broken EXIF and carries on with partial data; evidence must not.
    """
    order = {b"II": "little", b"MM": "big"}.get(block[:2])
    if order is None or len(block) < 8 or int.from_bytes(block[2:4], order) != 42:
        return False
    pending, seen = [int.from_bytes(block[4:8], order)], set()
    while pending:
        offset = pending.pop()
        if offset in seen:
            continue
        seen.add(offset)
        if offset < 8 or offset + 2 > len(block):
            return False
        count = int.from_bytes(block[offset:offset + 2], order)
        end = offset + 2 + 12 * count
        if end + 4 > len(block):
            return False
        for entry in range(offset + 2, end, 12):
            tag, kind = (int.from_bytes(block[entry + i:entry + i + 2], order) for i in (0, 2))
            values = int.from_bytes(block[entry + 4:entry + 8], order)
            pointer = int.from_bytes(block[entry + 8:entry + 12], order)
            size = _TIFF_TYPE_SIZES.get(kind, 0) * values
            if size > 4 and pointer + size > len(block):
                return False
            if tag in _SUB_IFD_TAGS:
                pending.append(pointer)
        following = int.from_bytes(block[end:end + 4], order)
        if following:
            pending.append(following)
    return True


def _image_end(data: bytes, kind: str) -> int | None:
    """The offset just past the image's last byte (JPEG EOI / PNG IEND), None if not found."""
    return _jpeg_end(data) if kind == "JPEG" else _png_end(data)


def _png_end(data: bytes) -> int | None:
    position = 8
    while position + 12 <= len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        chunk_type = data[position + 4:position + 8]
        position += 12 + length
        if chunk_type == b"IEND":
            return position
    return None


def _jpeg_end(data: bytes) -> int | None:
    """Walk the JPEG segments (and the entropy-coded scans) to the EOI marker."""
    position = 2
    while position + 2 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
        elif marker == 0xD9:
            return position + 2
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
        else:
            position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
            if marker == 0xDA:
                position = _scan_end(data, position)
    return None


# In entropy-coded data FF is followed by 00 (stuffing), D0–D7 (restart) or FF (fill); anything else is a marker.
_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _scan_end(data: bytes, position: int) -> int:
    """The offset of the first real marker after entropy-coded data."""
    found = _MARKER.search(data, position)
    return found.start() if found else len(data)


@functools.lru_cache(maxsize=16)
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    """Noto Sans CJK SC Bold at `size` pixels (from the manimgx-fonts-cjk package: no system font needed)."""
    font = ImageFont.truetype(str(CJK_FONT_FILE), size, index=_FONT_INDEX_SC)
    font.set_variation_by_name("Bold")
    return font
