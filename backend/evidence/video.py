"""Copies of evidence videos, re-encoded frame by frame with PyAV: the watermarked copy and the redacted export.

H.264 (libx264, yuv420p, MP4 with the index up front) because every phone, browser and the WeChat
web view plays it; the wheel's other MP4 encoder, MPEG-4 Part 2, does not play in browsers.
The watermarked copy keeps the sound (copied, not re-encoded): it is part of the record. The
redacted export, for publication, drops it: voices identify people as faces do, and what is said
may name them.
"""
from __future__ import annotations

import multiprocessing
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image

from backend.errors import Conflict
from backend.evidence.media import MAX_VIDEO_PIXELS, blur_faces, draw_watermark, open_bounded, upright, watermark_band
from backend.vision import FaceBox, face_detector

# Faces are looked for in DETECTIONS_PER_SECOND frames a second, on a copy at most DETECT_SIDE px
# long; every frame between two searches is blurred where either search found a face, so a face
# moving between them stays covered (blur_faces also grows each box by a quarter).
# Measured on 5 s of 1080p at 30 frames/s with a face crossing the picture (busy two-core machine):
# searching every frame took 64 s, 5 a second 27 s, and the face was blurred in every frame either
# way (its region changed by at least 47 grey levels on average). Most of what remains is the H.264
# encoder (~35 ms a 1080p frame at "veryfast"; "ultrafast" saves a third but makes files 2.5× larger).
# So a video at the 180-second limit takes minutes: hence the background job. At most MAX_HELD
# frames wait for the next search (a 4K frame is 25 MB).
DETECTIONS_PER_SECOND = 5
DETECT_SIDE = 1280
MAX_HELD = 6
_ENCODER_OPTIONS = {"preset": "veryfast", "crf": "23"}


# A killed or stuck child is given up this long after its time limit.
_GRACE_SECONDS = 30


@dataclass(frozen=True)
class Budget:
    """What making one copy may cost: every frame the size of the first (the decoder refuses any beyond the
    4K limit before allocating it), no more of them than the length accepted at intake allows, a time limit and
    a memory limit. A video beyond it stops at once (Conflict video_copy_over_budget, recorded as the copy's
    failure)."""

    frames: int
    seconds: float
    megabytes: int


@dataclass(frozen=True)
class Made:
    """What a child process made: the result, or why not (shown on the evidence record); and its peak resident
    memory in MB, measured (None where it died without saying)."""

    result: object
    failure: str | None
    peak_mb: float | None


def in_child(function: Callable, *args, budget: Budget) -> Made:
    """`function(*args)` (a copy of this module) run in a child process the kernel holds to `budget.megabytes`.

    The limit is RLIMIT_DATA: the private writable memory (heap and anonymous mappings: every frame FFmpeg's
    decoder, x264 and Pillow allocate, the reference frames and lookahead we did not count, their threads'
    stacks) the process may have, the Python it starts with included. An allocation beyond it fails (ENOMEM:
    MemoryError, av's MemoryError; x264 then fails to open or encode) and the copy stops, so the bound holds
    whatever the video makes the libraries do; a formula from the declared size × frames in flight would hold only
    for what it foresaw. (RLIMIT_AS would also count address space reserved and never used, glibc's 64 MB malloc
    arena per thread, shared libraries: it refuses ordinary copies long before their memory is in use.) The child
    is forked from a server that imported this module once, so a copy does not wait for imports; one that
    outlives its time limit is killed.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sending, budget.megabytes, function, args), daemon=True)
    child.start()
    sending.close()
    try:
        answer = receiving.recv() if receiving.poll(budget.seconds + _GRACE_SECONDS) else None
    except EOFError:  # died without answering
        answer = None
    finally:
        receiving.close()
        child.join(timeout=1)
        if child.is_alive():
            child.kill()
            child.join()
    if answer is None:
        return Made(None, f"生成副本的进程超时或异常退出（内存上限 {budget.megabytes} MB）", None)
    outcome, value, peak_mb = answer
    failure = {"made": None, "refused": value, "undecodable": "视频无法解码",
               "memory": f"生成副本所需内存超过 {budget.megabytes} MB 的上限"}[outcome]
    return Made(value if outcome == "made" else None, failure, peak_mb)


def _child(sending, megabytes: int, function: Callable, args: tuple) -> None:
    limit = megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    try:
        answer = ("made", function(*args))
    except (MemoryError, av.error.ExternalError):  # ENOMEM in FFmpeg (av's MemoryError is one); x264 fails only
        answer = ("memory", None)                 # when it cannot allocate (its options are fixed and valid)
    except Conflict as error:
        answer = ("refused", error.message)
    except (av.error.FFmpegError, StopIteration):
        answer = ("undecodable", None)
    peak_kb = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                   if line.startswith("VmHWM:"))
    sending.send((*answer, peak_kb / 1024))
    sending.close()


def watermark_video(data: bytes, lines: list[str], budget: Budget) -> bytes:
    """The video with the watermark on every frame, sound kept."""
    def mark(frames: Iterator[Image.Image], _rate: float) -> Iterator[Image.Image]:
        band = None
        for image in frames:
            band = band or watermark_band(image.width, image.height, lines)  # drawn once, laid on every frame
            yield draw_watermark(image, lines, band)

    return _reencode(data, mark, budget, keep_sound=True)


def redact_video(data: bytes, budget: Budget) -> tuple[bytes, int]:
    """The video with every face blurred in every frame, without sound; (MP4 bytes, most faces in one frame)."""
    most = 0

    def redact(frames: Iterator[Image.Image], rate: float) -> Iterator[Image.Image]:
        nonlocal most
        every = max(1, min(MAX_HELD, round(rate / DETECTIONS_PER_SECOND)))
        held: list[Image.Image] = []  # the frames since the last search, and what it found
        found: list[FaceBox] = []
        for number, image in enumerate(frames):
            if number % every == 0:
                faces = _faces(image)
                most = max(most, len(faces))
                yield from (blur_faces(frame, found + faces) for frame in held)
                held, found = [], faces
            held.append(image)
        last = _faces(held[-1]) if len(held) > 1 else []  # the video ends between two searches
        yield from (blur_faces(frame, found + last) for frame in held)

    return _reencode(data, redact, budget, keep_sound=False), most


def _faces(image: Image.Image) -> list[FaceBox]:
    scale = max(1.0, max(image.size) / DETECT_SIDE)
    small = image.resize((round(image.width / scale), round(image.height / scale)), Image.Resampling.BILINEAR)
    return [FaceBox(round(face.left * scale), round(face.top * scale), round(face.right * scale),
                    round(face.bottom * scale), face.score) for face in face_detector().detect_small_faces(small)]


def _reencode(data: bytes, paint: Callable, budget: Budget, *, keep_sound: bool) -> bytes:
    """Decode the first video stream, pass its upright frames through `paint(frames, frame rate)`, encode
    what it yields (one picture per frame, in order) as H.264 into a new MP4, within `budget`."""
    # A file, not memory: putting the index up front (faststart, so playback starts before the download
    # ends) rewrites the file after encoding.
    with tempfile.NamedTemporaryFile(suffix=".mp4") as output, open_bounded(data, MAX_VIDEO_PIXELS) as source:
        _encode(source, output.name, paint, budget, keep_sound)
        return Path(output.name).read_bytes()


def _encode(source: av.container.InputContainer, path: str, paint: Callable, budget: Budget,
            keep_sound: bool) -> None:
    with av.open(path, "w", format="mp4", options={"movflags": "+faststart"}) as target:
        video_in = source.streams.video[0]
        video_in.thread_type = "AUTO"
        rate = video_in.average_rate or video_in.guessed_rate or 30
        video_out = target.add_stream("libx264", rate=rate, options=_ENCODER_OPTIONS)
        first = upright(next(source.decode(video_in)))
        source.seek(0)
        # H.264 in yuv420p needs even sides: an odd last row or column is cut off.
        video_out.width, video_out.height, video_out.pix_fmt = first.width // 2 * 2, first.height // 2 * 2, "yuv420p"
        sound_in = source.streams.audio[0] if keep_sound and source.streams.audio else None
        sound_out = target.add_stream_from_template(sound_in) if sound_in else None
        timing: list[tuple] = []  # (pts, time base) of each decoded frame, in order
        deadline = time.monotonic() + budget.seconds

        def frames() -> Iterator[Image.Image]:
            for packet in source.demux(*(stream for stream in (video_in, sound_in) if stream)):
                if packet.stream is video_in:
                    for frame in packet.decode():
                        _within(budget, deadline, frame, first, len(timing))
                        timing.append((frame.pts, frame.time_base))
                        yield upright(frame)
                elif packet.dts is not None:
                    packet.stream = sound_out
                    target.mux(packet)

        size = (video_out.width, video_out.height)
        for number, image in enumerate(paint(frames(), float(rate))):
            frame = av.VideoFrame.from_image(image if image.size == size else image.crop((0, 0, *size)))
            frame.pts, frame.time_base = timing[number]
            target.mux(video_out.encode(frame))
        target.mux(video_out.encode(None))


def _within(budget: Budget, deadline: float, frame: av.VideoFrame, first: Image.Image, made: int) -> None:
    """Stop a copy whose frames change size, outnumber the video's length or outlast the time limit."""
    if {frame.width, frame.height} != {first.width, first.height}:
        reason = f"视频中途出现 {frame.width}×{frame.height} 的画面，与开头的 {first.width}×{first.height} 不符"
    elif made >= budget.frames:
        reason = f"视频的帧数超过其时长允许的 {budget.frames} 帧"
    elif time.monotonic() > deadline:
        reason = f"生成时间超过 {budget.seconds:.0f} 秒的上限"
    else:
        return
    raise Conflict(reason, code="video_copy_over_budget")
