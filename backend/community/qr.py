"""Printable QR codes of a community office: PNG and SVG with the office's name printed under the code."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

import qrcode
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_M

from backend.images import cjk_font

MODULE_PIXELS = 12  # a 33-module code prints at about 5 cm at 300 dpi
CAPTION_RATIO = 0.075  # caption font size as a share of the code's width
SVG_FONTS = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"


def _matrix(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def _wrap(text: str, fits) -> list[str]:
    """Break `text` into lines for which `fits(line)` holds (Chinese has no spaces to break at)."""
    lines, line = [], ""
    for char in text:
        if line and not fits(line + char):
            lines.append(line)
            line = char
        else:
            line += char
    return lines + [line] if line else lines


def qr_png(url: str, caption: str) -> bytes:
    """The code as a PNG with `caption` centred under it."""
    matrix = _matrix(url)
    size = len(matrix) * MODULE_PIXELS
    font_size = max(16, int(size * CAPTION_RATIO))
    font = cjk_font(font_size)
    lines = _wrap(caption, lambda line: font.getlength(line) <= size - 2 * MODULE_PIXELS)
    line_height = int(font_size * 1.4)
    image = Image.new("L", (size, size + len(lines) * line_height + 2 * MODULE_PIXELS), 255)
    pixels = Image.new("1", (len(matrix), len(matrix)), 1)
    pixels.putdata([0 if dark else 1 for row in matrix for dark in row])
    image.paste(pixels.resize((size, size), Image.NEAREST))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((size / 2, size + i * line_height), line, font=font, fill=0, anchor="mt")  # below the quiet zone
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_svg(url: str, caption: str) -> str:
    """The code as an SVG document (one path of unit squares) with `caption` as text under it."""
    matrix = _matrix(url)
    n = len(matrix)
    font_size = round(n * CAPTION_RATIO, 2)
    per_line = max(1, int((n - 2) / font_size))  # Chinese characters are about one em wide
    lines = _wrap(caption, lambda line: len(line) <= per_line)
    line_height = font_size * 1.4
    height = n + len(lines) * line_height + 1
    squares = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    texts = "".join(
        f'<text x="{n / 2}" y="{n - 2 + font_size + i * line_height:.2f}" text-anchor="middle" '
        f'font-size="{font_size}" font-family="{SVG_FONTS}">{escape(line)}</text>'
        for i, line in enumerate(lines))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {height:.2f}" '
            f'width="{n * 8}" height="{height * 8:.0f}" shape-rendering="crispEdges">'
            f'<rect width="100%" height="100%" fill="#fff"/><path d="{squares}" fill="#000"/>{texts}</svg>')
