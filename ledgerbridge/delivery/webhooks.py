"""Group robots: 企业微信 WeCom, 钉钉 DingTalk, 飞书 Feishu — message formats, signing, limits, errors.

Settings (``[delivery.webhooks.<name>]``): type, url (secret: it carries the token),
secret (DingTalk/Feishu signing), keyword (when the robot is secured by keywords, the
message starts with it), timeout_seconds.

A robot posts to a whole group, so it never carries a recipient's files: it announces
the report and links to the app, where each reader sees their own orgs.

| robot | limits | size | rate-limit reply |
|---|---|---|---|
| WeCom | 20 / min | markdown 4096 B, text 2048 B | errcode 45009 |
| DingTalk | 20 / min | 20000 B | errcode 130101 |
| Feishu | 5 / s, 100 / min | body 20 KB | code 11232 or 9499 |

HTTP 429 from any of them is a rate limit too; the message waits and is re-queued.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from ledgerbridge.delivery.errors import DeliveryError, NotConfigured, RateLimited
from ledgerbridge.delivery.message import Message
from ledgerbridge.delivery.signing import dingtalk_sign, feishu_sign

TRUNCATED = "…（内容过长已截断，详见链接 / truncated, see the link）"
Post = Callable[[str, dict[str, Any], float], tuple[int, dict[str, Any], dict[str, str]]]


def post_json(url: str, body: dict[str, Any], timeout: float) -> tuple[int, dict[str, Any], dict[str, str]]:
    """POST a JSON body; (HTTP status, parsed reply, headers). Network failures raise DeliveryError."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw, headers = resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        status, raw, headers = exc.code, exc.read(), dict(exc.headers or {})
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{_host(url)}: {getattr(exc, 'reason', exc)}") from None
    try:
        reply = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        reply = {"raw": raw[:200].decode("utf-8", "replace")}
    return status, reply if isinstance(reply, dict) else {"raw": reply}, headers


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or "webhook"


def fit(text: str, max_bytes: int, tail: str = "") -> str:
    """``text`` (then ``tail``) cut to ``max_bytes`` of UTF-8, saying so when cut."""
    whole = text + tail
    if len(whole.encode()) <= max_bytes:
        return whole
    budget = max_bytes - len((TRUNCATED + tail).encode())
    cut = text.encode()[: max(0, budget)].decode("utf-8", "ignore")
    return cut + TRUNCATED + tail


class WebhookChannel:
    """What the three robots share: URL, keyword, HTTP, reply checking."""

    type = "webhook"
    limits: tuple[tuple[int, float], ...] = ()
    rate_codes: frozenset[int] = frozenset()
    transient_codes: frozenset[int] = frozenset({-1})
    backoff_s = 60.0

    def __init__(
        self,
        name: str,
        settings: dict[str, Any],
        *,
        post: Post = post_json,
        clock: Callable[[], float] = time.time,
    ):
        self.name = name
        self.url = str(settings.get("url") or "")
        self.secret = str(settings.get("secret") or "")
        self.keyword = str(settings.get("keyword") or "")
        self.timeout = float(settings.get("timeout_seconds") or 10)
        self.post = post
        self.clock = clock

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def text(self, message: Message) -> str:
        return f"【{self.keyword}】{message.chat_text()}" if self.keyword else message.chat_text()

    def request(self, message: Message) -> tuple[str, dict[str, Any]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def reply_code(self, reply: dict[str, Any]) -> int:
        return int(reply.get("errcode", 0))

    def send(self, target: str | None, message: Message) -> str:
        if not self.configured:
            raise NotConfigured(f"{self.type} {self.name}: no url configured")
        url, body = self.request(message)
        status, reply, headers = self.post(url, body, self.timeout)
        where = f"{self.type} {self.name}"
        if status == 429:
            wait = float(headers.get("Retry-After") or headers.get("retry-after") or self.backoff_s)
            raise RateLimited(f"{where}: HTTP 429", retry_after=wait)
        if status >= 500:
            raise DeliveryError(f"{where}: HTTP {status}")
        if status >= 400:
            raise DeliveryError(f"{where}: HTTP {status} {reply}", permanent=True)
        code = self.reply_code(reply)
        if code in self.rate_codes:
            raise RateLimited(f"{where}: rate limited ({code} {reply})", retry_after=self.backoff_s)
        if code != 0:
            raise DeliveryError(f"{where}: {code} {reply}", permanent=code not in self.transient_codes)
        return f"{where}: ok"


class WecomChannel(WebhookChannel):
    """企业微信 group robot: markdown, or text when someone is @-mentioned (markdown cannot mention)."""

    type = "wecom"
    limits = ((20, 60.0),)
    rate_codes = frozenset({45009})
    backoff_s = 65.0
    MARKDOWN_BYTES = 4096
    TEXT_BYTES = 2048

    def request(self, message: Message) -> tuple[str, dict[str, Any]]:
        link = f"\n{message.link}" if message.link else ""
        if message.mentions:
            mobiles = [m for m in message.mentions if m.isdigit()]
            users = [m for m in message.mentions if not m.isdigit()]
            text = fit(self.text(Message(message.subject, message.text)), self.TEXT_BYTES, link)
            return self.url, {
                "msgtype": "text",
                "text": {"content": text, "mentioned_list": users, "mentioned_mobile_list": mobiles},
            }
        head = f"【{self.keyword}】" if self.keyword else ""
        tail = f"\n[打开 / Open]({message.link})" if message.link else ""
        content = fit(f"### {head}{message.subject}\n{message.text}", self.MARKDOWN_BYTES, tail)
        return self.url, {"msgtype": "markdown", "markdown": {"content": content}}


class DingtalkChannel(WebhookChannel):
    """钉钉 custom robot: markdown with @mobiles; signed in the query string when a secret is set."""

    type = "dingtalk"
    limits = ((20, 60.0),)
    rate_codes = frozenset({130101})
    MAX_BYTES = 20000

    def signed_url(self) -> str:
        if not self.secret:
            return self.url
        ts = int(self.clock() * 1000)
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}timestamp={ts}&sign={dingtalk_sign(self.secret, ts)}"

    def request(self, message: Message) -> tuple[str, dict[str, Any]]:
        at = " ".join(f"@{m}" for m in message.mentions)
        tail = (f"\n\n[打开 / Open]({message.link})" if message.link else "") + (f"\n\n{at}" if at else "")
        head = f"【{self.keyword}】" if self.keyword else ""
        text = fit(f"### {head}{message.subject}\n\n{message.text}", self.MAX_BYTES, tail)
        body = {
            "msgtype": "markdown",
            "markdown": {"title": f"{head}{message.subject}", "text": text},
            "at": {"atMobiles": list(message.mentions), "isAtAll": False},
        }
        return self.signed_url(), body


class FeishuChannel(WebhookChannel):
    """飞书 custom bot: text with <at> tags; timestamp and signature in the body when a secret is set."""

    type = "feishu"
    limits = ((5, 1.0), (100, 60.0))
    rate_codes = frozenset({11232, 9499})
    MAX_BYTES = 18000  # the body may be 20 KB; leave room for the JSON around the text

    def reply_code(self, reply: dict[str, Any]) -> int:
        return int(reply.get("code", reply.get("StatusCode", 0)))

    def request(self, message: Message) -> tuple[str, dict[str, Any]]:
        at = "".join(f'<at user_id="{m}"></at>' for m in message.mentions)
        body: dict[str, Any] = {
            "msg_type": "text",
            "content": {"text": fit(self.text(message), self.MAX_BYTES, at)},
        }
        if self.secret:
            ts = int(self.clock())
            body = {"timestamp": str(ts), "sign": feishu_sign(self.secret, ts), **body}
        return self.url, body


ROBOTS: dict[str, type[WebhookChannel]] = {c.type: c for c in (WecomChannel, DingtalkChannel, FeishuChannel)}
