"""Robot signatures. They differ, and each is tested against fixed vectors.

- 钉钉 DingTalk: ``sign = urlencode(base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")))``,
  timestamp in **milliseconds**, both sent in the query string.
- 飞书 Feishu: ``sign = base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b""))``, timestamp
  in **seconds**, both sent in the JSON body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The URL-encoded DingTalk signature of a millisecond timestamp."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """The Feishu signature of a second timestamp (the string to sign is the key)."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()
