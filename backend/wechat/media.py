"""Evidence taken in the light app: download a temporary media file by its JS-SDK media id."""
from __future__ import annotations

from wechatpy.exceptions import WeChatClientException

from backend.errors import Invalid
from backend.wechat.client import wechat_client, wechat_errors

INVALID_MEDIA_ERRORS = frozenset({40007})  # invalid (or expired) media_id


def download_media(media_id: str) -> tuple[bytes, str]:
    """The file's bytes and content type from `media/get`."""
    with wechat_errors("下载媒体文件"):
        try:
            response = wechat_client().media.download(media_id)
        except WeChatClientException as error:
            if error.errcode in INVALID_MEDIA_ERRORS:
                raise Invalid("媒体文件不存在或已过期（政务微信临时素材保存 3 天），请重新拍摄上传",
                              code="wechat_media_invalid") from error
            raise
    if isinstance(response, dict):  # JSON without an error code is not a file either
        raise Invalid("政务微信未返回媒体文件，请重新上传", code="wechat_media_invalid")
    content_type = response.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
    return response.content, content_type
