"""A case's documents as PDF (reportlab): the 文号, the text, and the district's electronic seal — an image
of the seal, and a signature over the PDF's SHA-256 with the keyring (`keys.seal`, purpose
`nonsite-document`), so a PDF shown later can be checked as the one the bureau issued.

Chinese text uses reportlab's built-in Adobe CID font STSong-Light (no font file to ship; readers supply
the glyphs); the PDF is generated with `invariant` so the same content gives the same bytes."""
from __future__ import annotations

import functools
import hashlib
import io
import math

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from backend import keys
from backend.images import cjk_font

FONT = "STSong-Light"
PURPOSE = "nonsite-document"
LABELS = [("party_name", "当事人"), ("credit_code", "统一社会信用代码"), ("plate", "车牌号"),
          ("occurred_at", "违法时间"), ("place", "违法地点"), ("facts", "违法事实"), ("legal_basis", "法律依据"),
          ("proposed_penalty", "拟作处罚"), ("penalty", "处罚决定"), ("payment_reference", "缴款编号")]


@functools.cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@functools.lru_cache(maxsize=32)
def seal_image(issuer: str) -> bytes:
    """The seal: a red ring, a star and the issuer's name (PNG)."""
    size, red = 400, (200, 16, 16, 255)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=14)
    star = [(size / 2 + r * math.sin(i * math.pi / 5), size / 2 - r * math.cos(i * math.pi / 5))
            for i, r in zip(range(10), [70, 28] * 5, strict=True)]
    draw.polygon(star, fill=red)
    draw.text((size / 2, size * 0.78), issuer[:12], font=cjk_font(30), fill=red, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _lines(text: str, width: int) -> list[str]:
    return [text[start:start + width] for start in range(0, len(text), width)] or [""]


def render(content: dict, issuer: str) -> bytes:
    """The document's PDF: title, number, the content's fields, the rights, the seal."""
    font, out = _font(), io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=1)
    page.setTitle(f"{content['title']} {content['number']}")
    width, height = A4
    page.setFont(font, 20)
    page.drawCentredString(width / 2, height - 80, issuer)
    page.drawCentredString(width / 2, height - 110, content["title"])
    page.setFont(font, 12)
    page.drawCentredString(width / 2, height - 135, content["number"])
    y = height - 175
    party = content.get("party") or {}
    fields = {"party_name": party.get("name"), "credit_code": party.get("credit_code"), "plate": party.get("plate"),
              **content}
    for key, label in LABELS:
        if fields.get(key) in (None, ""):
            continue
        for number, line in enumerate(_lines(f"{label}：{fields[key]}", 38)):
            page.drawString(72 if number == 0 else 96, y, line)
            y -= 20
    for line in _rights(content):
        page.drawString(72, y, line)
        y -= 20
    page.drawImage(ImageReader(io.BytesIO(seal_image(issuer))), width - 230, 80, 140, 140, mask="auto")
    page.drawString(width - 240, 70, issuer)
    page.showPage()
    page.save()
    return out.getvalue()


def _rights(content: dict) -> list[str]:
    rights = [("statement_working_days", "进行陈述、申辩"), ("hearing_working_days", "要求听证")]
    return [f"你（单位）有权在收到本告知书之日起 {content[key]} 个工作日内{what}。"
            for key, what in rights if content.get(key)]


FOLDER = "nonsite/documents"


def storage_key(pdf_sha256: str) -> str:
    return f"{FOLDER}/{pdf_sha256}.pdf"


def stored(key: str | None) -> bytes | None:
    """An issued PDF from file storage (None for a document issued before documents became PDFs)."""
    from backend.storage import get_storage

    return None if key is None else get_storage().get(key)


def sha256(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()


def sign(pdf_sha256: str) -> str:
    """The electronic seal's signature over the PDF's hash, naming the key: `<key id>.<mac>`."""
    return keys.seal(PURPOSE, pdf_sha256)


def verify(pdf_sha256: str, signature: str) -> bool:
    return keys.unseal(PURPOSE, pdf_sha256, signature)
