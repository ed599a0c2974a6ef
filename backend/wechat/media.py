"""Evidence taken in the light app: download a temporary media file by its JS-SDK media id."""
from __future__ import annotations

import re

from wechatpy.exceptions import WeChatClientException

from backend.errors import Invalid, ServiceUnavailable
from backend.wechat.client import GovWeChatClient, wechat_client, wechat_errors

INVALID_MEDIA_ERRORS = frozenset({40007})  # invalid (or expired) media_id
MEDIA_TOO_LARGE = 830002  # over 20 MB: WeCom serves the file only in ranges
CHUNK_BYTES = 20 * 1024 * 1024  # WeCom: ranges of at most 20 MB
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


def download_media(media_id: str, *, max_bytes: int) -> tuple[bytes, str]:
    """The file's bytes and content type from `media/get`, in ranges when WeChat asks for that."""
    client = wechat_client()
    with wechat_errors("下载媒体文件"):
        try:
            response = client.media.download(media_id)
            data = None if isinstance(response, dict) else response.content
        except WeChatClientException as error:
            if error.errcode in INVALID_MEDIA_ERRORS:
                raise Invalid("媒体文件不存在或已过期（政务微信临时素材保存 3 天），请重新拍摄上传",
                              code="wechat_media_invalid") from error
            if error.errcode != MEDIA_TOO_LARGE:
                raise
            response, data = _download_in_ranges(client, media_id, max_bytes)
    if data is None:  # JSON without an error code is not a file either
        raise Invalid("政务微信未返回媒体文件，请重新上传", code="wechat_media_invalid")
    content_type = response.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
    return data, content_type


def _download_in_ranges(client: GovWeChatClient, media_id: str, max_bytes: int):
    """The last response and the whole file, fetched CHUNK_BYTES at a time; a file over `max_bytes` is refused first."""
    chunks, size, total = [], 0, None
    while total is None or size < total:
        response = client.media.download(media_id, size, size + CHUNK_BYTES)
        content_range = None if isinstance(response, dict) else \
            _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
        if content_range is None or int(content_range[1]) != size or not response.content:
            raise ServiceUnavailable("政务微信未按分块返回媒体文件，请稍后再试", code="wechat_error")
        total = int(content_range[3])
        if total > max_bytes:
            raise Invalid(f"媒体文件过大（{total // 1048576} MB），超过上限 {max_bytes // 1048576} MB",
                          code="wechat_media_too_large")
        chunks.append(response.content)
        size += len(response.content)
    return response, b"".join(chunks)
