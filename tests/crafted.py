"""Small crafted files that cost far more than their size (issue 15 §6), made in the test that uses them:
videos whose boxes lie, workbooks and CSV files that unpack or spread out. The benchmark bench/crafted_files
sends the same files."""
from __future__ import annotations

import io
import zipfile
from fractions import Fraction

import av
import numpy as np
from openpyxl import Workbook
from PIL import Image

from tests.evidence.helpers import mp4_bytes


def _patched(data: bytes, box: bytes, offset: int, *values: int) -> bytes:
    """The file with 4-byte big-endian `values` written `offset` bytes into the first `box`."""
    start = data.index(box) - 4
    patched = bytearray(data)
    for number, value in enumerate(values):
        patched[start + offset + 4 * number:start + offset + 4 * number + 4] = value.to_bytes(4, "big")
    return bytes(patched)


def lying_sample_table() -> bytes:
    """A small MP4 whose sample-size box claims 50 million samples of 100 bytes (FFmpeg: 1.7 GB to open)."""
    return _patched(mp4_bytes(seconds=1), b"stsz", 12, 100, 50_000_000)


def _declared_size(data: bytes, side: int) -> bytes:
    """The MP4 with its track header and sample entry declaring a `side`×`side` picture."""
    data = _patched(data, b"tkhd", 84, side << 16, side << 16)
    start = data.index(b"stsd") - 4 + 16 + 8 + 24
    return data[:start] + side.to_bytes(2, "big") * 2 + data[start + 4:]


def huge_declared_frame() -> bytes:
    """A small MP4 whose track header and sample entry declare a 16000×16000 picture."""
    return _declared_size(mp4_bytes(seconds=1), 16000)


def big_frame_behind_small_boxes(side: int = 8192) -> bytes:
    """One black `side`×`side` H.264 frame (about 200 KB) in an MP4 whose boxes declare 64×64:
    only the codec's own header (the SPS) tells the truth."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=10, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = side, side, "yuv420p"
        frame = av.VideoFrame(side, side, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.pts = 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return _declared_size(buffer.getvalue(), 64)


def many_tiny_frames(frames: int = 300) -> bytes:
    """A video of `frames` frames each 1/90000 s long: a hundredth of a second, yet as many frames as 10 s."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 90000)
        for number in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), number % 256, dtype=np.uint8), format="rgb24")
            frame.pts, frame.time_base = number, Fraction(1, 90000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def hidden_big_frame(sizes=((64, 64),) * 4 + ((256, 256),) + ((64, 64),) * 5) -> bytes:
    """A motion-JPEG MP4 whose container and first frames say 64×64, with a larger frame mid-stream."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuvj420p"
        for number, size in enumerate(sizes):
            picture = io.BytesIO()
            Image.new("RGB", size, (40 + 10 * number, 90, 120)).save(picture, "JPEG")
            packet = av.Packet(picture.getvalue())
            packet.stream, packet.pts, packet.dts, packet.is_keyframe = stream, number, number, True
            packet.time_base = Fraction(1, 10)
            container.mux(packet)
    return buffer.getvalue()


def sparse_workbook(header: list[str], row: list, far_row: int = 60_000) -> bytes:
    """A workbook of one good row and one cell at `far_row` (openpyxl's normal mode: a cell for every place between)."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    sheet.append(row)
    sheet.cell(row=far_row, column=1, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rewritten(data: bytes, changes: dict, added: dict | None = None) -> bytes:
    """The workbook with parts changed (name: change(content)) and parts added (name: content)."""
    source, buffer = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            target.writestr(entry.filename, changes[entry.filename](content) if entry.filename in changes else content)
        for name, content in (added or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


def with_sheet(data: bytes, change) -> bytes:
    """The workbook with its first sheet's XML replaced by change(xml)."""
    return _rewritten(data, {"xl/worksheets/sheet1.xml": change})


def many_texts_workbook(data: bytes, texts: int = 2_000_000) -> bytes:
    """The workbook with a shared-strings part of `texts` one-letter texts (openpyxl reads them all on opening)."""
    rels = (b'<Relationship Id="rIdTexts" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    override = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    texts_part = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                  + b"<si><t>a</t></si>" * texts + b"</sst>")
    return _rewritten(data, {"xl/_rels/workbook.xml.rels": lambda xml: xml.replace(b"</Relationships>", rels),
                             "[Content_Types].xml": lambda xml: xml.replace(b"</Types>", override)},
                      added={"xl/sharedStrings.xml": texts_part})


def many_styles_workbook(data: bytes, formats: int = 700_000) -> bytes:
    """The workbook with `formats` cell formats in its styles part (about 130 KB packed for 700,000)."""
    record = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    return _rewritten(data, {"xl/styles.xml": lambda xml: xml.replace(b'<cellXfs count="1">',
                                                                      b'<cellXfs count="1">' + record * formats)})


def wide_row_workbook(data: bytes, cells: int = 2_000_000) -> bytes:
    """The workbook with `cells` cells appended to the first row of its sheet (about 60 KB packed for 2 million)."""
    return with_sheet(data, lambda xml: xml.replace(b"</row>", b"<c><v>1</v></c>" * cells + b"</row>", 1))


def zip_bomb_workbook(data: bytes, unpacked: int = 150_000_000) -> bytes:
    """The workbook with its sheet padded by `unpacked` bytes of blanks: about a thousandth of that packed."""
    return with_sheet(data, lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * unpacked, 1))


def malformed_workbook(data: bytes) -> bytes:
    """The workbook with its sheet's XML cut off in the middle of a row."""
    return with_sheet(data, lambda xml: xml[:xml.index(b"</row>") + 3])


def many_rows_csv(header: list[str], rows: int = 1_000_000) -> bytes:
    """A CSV of the header and `rows` short lines (a million: about 5 MB)."""
    return (",".join(header) + "\n" + "a,b,c,d\n" * rows).encode()


def long_field_csv(header: list[str], size: int = 200 * 1024) -> bytes:
    """A CSV with a field longer than the csv module's 128 KiB limit."""
    return (",".join(header) + "\n" + "A1,天平中队," + "X" * size + ",2026-03-01\n").encode()
