"""The files of evidence: video checks, EXIF time and GPS, the watermarked copy, thumbnails, face blurring."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from PIL import Image, ImageDraw, ImageFilter

from backend.db import LOCAL_TZ
from backend.errors import Invalid
from backend.evidence import mp4
from backend.images import cjk_font, normalize_mime

THUMBNAIL_SIZE = (320, 320)
MAX_VIDEO_PIXELS = 3840 * 2160
_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"MSNV", b"3gp4",
               b"3gp5", b"3gp6", b"qt  "}


def looks_like_mp4(data: bytes) -> bool:
    return data[4:8] == b"ftyp"


@dataclass(frozen=True)
class ValidatedVideo:
    mime: str
    width: int
    height: int
    duration_ms: int
    first_frame: Image.Image


def validate_video(data: bytes, *, declared_type: str | None, max_bytes: int, max_seconds: int,
                   max_fps: int) -> ValidatedVideo:
    """An MP4 whose boxes span exactly the file and declare no more than the limits (pixels of every video
    track, samples of every track, frames a second), with a decodable video stream no longer than `max_seconds`.

    What the boxes declare is checked before FFmpeg opens the file, and the decoder refuses any frame larger
    than MAX_VIDEO_PIXELS, so no crafted file makes FFmpeg allocate more than a 4K picture's worth.
    """
    if len(data) > max_bytes:
        raise Invalid(f"视频过大：最大 {max_bytes // (1024 * 1024)} MB", code="file_too_large")
    if not looks_like_mp4(data) or data[8:12] not in _MP4_BRANDS:
        raise Invalid("不是有效的视频：仅支持 MP4", code="not_a_video")
    declared = normalize_mime(declared_type)
    if declared is not None and declared != "video/mp4":
        raise Invalid(f"文件内容是 MP4 视频，与声明的类型 {declared} 不符", code="type_mismatch")
    if not _boxes_span_file(data):
        raise Invalid("视频文件结构不完整或末尾附带了其他内容", code="not_a_video")
    _check_declared(mp4.declared_tracks(data), max_seconds, max_fps)
    width, height, seconds, frame = _probe(data)
    if width * height > MAX_VIDEO_PIXELS:
        raise _too_many_pixels()
    if seconds > max_seconds:
        raise _too_long(seconds, max_seconds)
    return ValidatedVideo("video/mp4", width, height, round(seconds * 1000), frame)


def _too_many_pixels() -> Invalid:
    return Invalid("视频分辨率过高：最高 4K", code="too_many_pixels")


def _too_long(seconds: float, max_seconds: int) -> Invalid:
    return Invalid(f"视频过长：{seconds:.0f} 秒，最长 {max_seconds} 秒", code="video_too_long")


def frame_budget(seconds: float, max_fps: int) -> int:
    """The most frames a video of `seconds` may have at `max_fps` frames a second, with a second's slack
    (a container's duration can fall short of the last frame's end)."""
    return int(seconds * max_fps) + max_fps


def _check_declared(tracks: list[mp4.Track], max_seconds: int, max_fps: int) -> None:
    """Refuse what the boxes declare beyond the limits, before anything is decoded."""
    videos = [track for track in tracks if track.handler == b"vide"]
    if not videos:
        raise Invalid("视频中没有画面", code="not_a_video")
    for track in tracks:
        # Sound has up to ~94 packets a second (AAC at 96 kHz): twice the frame limit covers every track.
        if track.samples > 2 * frame_budget(max_seconds, max_fps):
            raise Invalid(f"视频的样本数过多（声明 {track.samples} 个），已拒收", code="too_many_frames")
    for track in videos:
        if any(width * height > MAX_VIDEO_PIXELS for width, height in track.sizes):
            raise _too_many_pixels()
        if track.seconds > max_seconds:
            raise _too_long(track.seconds, max_seconds)
        if not track.fragmented and track.samples > frame_budget(track.seconds, max_fps):
            raise Invalid(f"视频帧率过高：{track.seconds:.2f} 秒内有 {track.samples} 帧，每秒最多 {max_fps} 帧",
                          code="too_many_frames")


def _boxes_span_file(data: bytes) -> bool:
    """Walk the top-level ISO-BMFF boxes: each size must fit, and together they must end at the file's end."""
    position = 0
    while position < len(data):
        if position + 8 > len(data):
            return False
        size = int.from_bytes(data[position:position + 4], "big")
        if size == 1:  # 64-bit size follows the type
            if position + 16 > len(data):
                return False
            size = int.from_bytes(data[position + 8:position + 16], "big")
        elif size == 0:  # the box runs to the end of the file
            size = len(data) - position
        if size < 8 or position + size > len(data):
            return False
        position += size
    return True


def open_bounded(data: bytes, max_pixels: int):
    """The MP4 opened by FFmpeg (PyAV) with every decoder refusing a frame of more than `max_pixels`
    (checked when a frame's size is read, before its picture is allocated), also while the streams are probed."""
    import av

    bound = {"max_pixels": str(max_pixels)}
    container = av.open(io.BytesIO(data), format="mp4", options=bound)
    for stream in container.streams:
        stream.codec_context.options = bound
    return container


def _probe(data: bytes) -> tuple[int, int, float, Image.Image]:
    """Width and height as displayed, duration (s) and the upright first frame, read by FFmpeg (PyAV)."""
    import av

    try:
        with open_bounded(data, MAX_VIDEO_PIXELS) as container:
            if not container.streams.video:
                raise Invalid("视频中没有画面", code="not_a_video")
            stream = container.streams.video[0]
            if stream.width * stream.height > MAX_VIDEO_PIXELS:  # as the codec's own header says (SPS …)
                raise _too_many_pixels()
            if container.duration is None or container.duration <= 0:
                raise Invalid("无法读取视频时长", code="not_a_video")
            frame = upright(next(container.decode(stream)))
            return frame.width, frame.height, container.duration / 1_000_000, frame
    except (av.error.FFmpegError, StopIteration, ValueError) as error:
        raise Invalid("视频已损坏或无法解码", code="not_a_video") from error


def upright(frame) -> Image.Image:
    """A video frame as players show it: phones store portrait frames sideways with a rotation to apply
    (the track header's display matrix; `frame.rotation` is its angle, anticlockwise)."""
    image = frame.to_image()
    return image.rotate(frame.rotation, expand=True) if frame.rotation else image


@dataclass(frozen=True)
class ExifFacts:
    taken_at: datetime | None
    lat: float | None  # WGS-84, as cameras write it
    lng: float | None


def exif_facts(exif: Image.Exif) -> ExifFacts:
    """DateTimeOriginal (local time unless an offset is written) and the GPS position, where present and sane."""
    return ExifFacts(_exif_time(exif), *_exif_position(exif))


def _exif_time(exif: Image.Exif) -> datetime | None:
    sub = exif.get_ifd(0x8769)
    text = sub.get(0x9003) or sub.get(0x9004) or exif.get(0x0132)
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = sub.get(0x9011)  # OffsetTimeOriginal, e.g. "+08:00"
    try:
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    except (TypeError, ValueError, IndexError):
        zone = LOCAL_TZ
    return moment.replace(tzinfo=zone).astimezone(UTC)


def _exif_position(exif: Image.Exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(0x8825)
    try:
        lat = _degrees(gps[2]) * (-1 if gps.get(1) == "S" else 1)
        lng = _degrees(gps[4]) * (-1 if gps.get(3) == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat, lng) == (0, 0):
        return None, None
    return lat, lng


def _degrees(dms) -> float:
    degrees, minutes, seconds = (float(part) for part in dms)
    return degrees + minutes / 60 + seconds / 3600


def jpeg_bytes(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    (image if image.mode == "RGB" else image.convert("RGB")).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def thumbnail(image: Image.Image) -> bytes:
    """A JPEG at most THUMBNAIL_SIZE, aspect kept (reduce first, then resample: fast on 12-megapixel photos)."""
    scale = min(1.0, THUMBNAIL_SIZE[0] / image.width, THUMBNAIL_SIZE[1] / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return jpeg_bytes(image.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0), quality=80)


def watermark_lines(captured_at: datetime, place: str, badge_no: str, sha256: str) -> list[str]:
    local = captured_at.astimezone(LOCAL_TZ)
    return [f"时间：{local:%Y-%m-%d %H:%M:%S}", f"地点：{place}", f"执法证号：{badge_no}　校验码：{sha256[:12]}"]


def watermark_band(width: int, height: int, lines: list[str]) -> Image.Image:
    """The watermark for a picture of `width` × `height`: the lines on a translucent band (RGBA, band-high)."""
    size = max(14, min(width, height) // 28)
    font = cjk_font(size)
    gap = size // 3
    band = Image.new("RGBA", (width, len(lines) * (size + gap) + 2 * gap), (0, 0, 0, 140))
    draw = ImageDraw.Draw(band)
    for number, line in enumerate(lines):
        draw.text((gap * 2, gap + number * (size + gap)), line, font=font, fill=(255, 255, 255, 255),
                  stroke_width=max(1, size // 16), stroke_fill=(0, 0, 0, 255))
    return band


def draw_watermark(image: Image.Image, lines: list[str], band: Image.Image | None = None) -> Image.Image:
    """Lay the watermark band (made for this size unless given) over the bottom of `image` (in place; RGB)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    band = band or watermark_band(image.width, image.height, lines)
    image.paste(band, (0, image.height - band.height), band)
    return image


def blur_faces(image: Image.Image, faces) -> Image.Image:
    """A copy of `image` with each face box (grown by a quarter on every side) heavily blurred."""
    redacted = image.convert("RGB")
    for face in faces:
        grow_x, grow_y = (face.right - face.left) // 4, (face.bottom - face.top) // 4
        box = (max(0, face.left - grow_x), max(0, face.top - grow_y),
               min(image.width, face.right + grow_x), min(image.height, face.bottom + grow_y))
        region = redacted.crop(box)
        radius = max(8, (box[2] - box[0]) // 6)
        redacted.paste(region.filter(ImageFilter.GaussianBlur(radius)), box)
    return redacted
