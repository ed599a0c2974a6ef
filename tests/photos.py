"""Real photographs (scikit-image ships them) as PIL images and encoded bytes, for image tests."""
from __future__ import annotations

import functools
import io

import skimage.data
from PIL import Image


def astronaut() -> Image.Image:
    """Eileen Collins, one face, head and shoulders (512×512)."""
    return Image.fromarray(skimage.data.astronaut())


def coffee() -> Image.Image:
    """A cup of coffee: no face."""
    return Image.fromarray(skimage.data.coffee())


def rocket() -> Image.Image:
    """A rocket on the launch pad: no face."""
    return Image.fromarray(skimage.data.rocket())


def two_faces() -> Image.Image:
    """Two head-and-shoulder crops of the astronaut side by side."""
    head = astronaut().crop((100, 0, 356, 256))
    pair = Image.new("RGB", (512, 256))
    pair.paste(head, (0, 0))
    pair.paste(head.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (256, 0))
    return pair


@functools.lru_cache(maxsize=1)
def many_pixels_png() -> bytes:
    """The outside probe's photo: an 8000×8000 PNG of a few kilobytes, 64 million pixels (190 MB decoded in colour)."""
    return encode(Image.new("1", (8000, 8000)), "PNG")


def encode(image: Image.Image, fmt: str = "JPEG", exif: Image.Exif | None = None, **options) -> bytes:
    buffer = io.BytesIO()
    if exif is not None:
        options["exif"] = exif.tobytes()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def camera_exif(taken: str | None = None, gps: tuple | None = None, orientation: int | None = None) -> Image.Exif:
    """An EXIF block as a phone writes it: DateTimeOriginal "YYYY:MM:DD HH:MM:SS", GPS (lat, lng) in degrees."""
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if gps:
        lat, lng = gps
        exif.get_ifd(0x8825).update({1: "N" if lat >= 0 else "S", 2: _dms(abs(lat)),
                                     3: "E" if lng >= 0 else "W", 4: _dms(abs(lng))})
    return exif


def _dms(degrees: float) -> tuple[float, float, float]:
    whole = int(degrees)
    minutes = int((degrees - whole) * 60)
    seconds = round(((degrees - whole) * 60 - minutes) * 60, 4)
    return (float(whole), float(minutes), seconds)
