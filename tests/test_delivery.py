"""Delivery channels against local receivers: formats, signatures (fixed vectors), rate limits
(back off and re-queue, never drop), retries, the mail size limit, nothing sent twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.parse

import pytest

from ledgerbridge import ops
from ledgerbridge.delivery import outbox
from ledgerbridge.delivery.channels import build
from ledgerbridge.delivery.errors import DeliveryError, RateLimited
from ledgerbridge.delivery.message import Attachment, Message
from ledgerbridge.delivery.signing import dingtalk_sign, feishu_sign
from ledgerbridge.delivery.smtp import SmtpChannel, encoded_size
from ledgerbridge.delivery.webhooks import DingtalkChannel, FeishuChannel, WecomChannel

T0 = dt.datetime(2025, 12, 1, 0, 0, tzinfo=dt.UTC)
# computed with `openssl dgst -sha256 -hmac` (another implementation), not with our code
DINGTALK_SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
DINGTALK_TS, DINGTALK_SIGN = 1700000000000, "8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw="
FEISHU_SECRET, FEISHU_TS, FEISHU_SIGN = (
    "feishu-secret-Xy12",
    1700000000,
    "z90JFxNA9AK0wRSX8pKnxTzx20lCT9IDNJqhxeONYA8=",
)


def test_signatures_match_fixed_vectors():
    assert dingtalk_sign(DINGTALK_SECRET, DINGTALK_TS) == urllib.parse.quote_plus(DINGTALK_SIGN)
    assert feishu_sign(FEISHU_SECRET, FEISHU_TS) == FEISHU_SIGN
    # the two schemes are not interchangeable: each signer fails the other's vector
    assert dingtalk_sign(FEISHU_SECRET, FEISHU_TS) != urllib.parse.quote_plus(FEISHU_SIGN)
    assert feishu_sign(DINGTALK_SECRET, DINGTALK_TS // 1000) != DINGTALK_SIGN


MSG = Message(
    "月度管理报告 2025-11", "已生成", "http://app/scheduled_reports?run=r1", mentions=("13800000001",)
)


def test_dingtalk_signs_in_the_query_with_milliseconds(webhook_receiver):
    ch = DingtalkChannel(
        "dt",
        {"url": webhook_receiver.url + "/robot/send?access_token=tok", "secret": DINGTALK_SECRET},
        clock=lambda: DINGTALK_TS / 1000,
    )
    ch.send(None, MSG)
    req = webhook_receiver.requests[0]
    assert req["query"] == {"access_token": "tok", "timestamp": str(DINGTALK_TS), "sign": DINGTALK_SIGN}
    assert f"sign={urllib.parse.quote_plus(DINGTALK_SIGN)}" in req["raw_query"]  # URL-encoded on the wire
    body = req["body"]
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == MSG.subject
    assert "@13800000001" in body["markdown"]["text"] and MSG.link in body["markdown"]["text"]
    assert body["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}


def test_feishu_signs_in_the_body_with_seconds(webhook_receiver):
    ch = FeishuChannel(
        "fs",
        {
            "url": webhook_receiver.url + "/open-apis/bot/v2/hook/abc",
            "secret": FEISHU_SECRET,
            "keyword": "业财桥",
        },
        clock=lambda: FEISHU_TS + 0.9,
    )
    ch.send(None, Message("告警", "source erp stale", mentions=("ou_1",)))
    body = webhook_receiver.requests[0]["body"]
    assert (body["timestamp"], body["sign"], body["msg_type"]) == (str(FEISHU_TS), FEISHU_SIGN, "text")
    assert body["content"]["text"].startswith("【业财桥】告警") and body["content"]["text"].endswith(
        '<at user_id="ou_1"></at>'
    )
    assert webhook_receiver.requests[0]["query"] == {}


def test_wecom_markdown_and_text_with_mentions(webhook_receiver):
    ch = WecomChannel("wc", {"url": webhook_receiver.url + "/cgi-bin/webhook/send?key=K"})
    ch.send(None, Message("报表", "正文", "http://app/x"))
    ch.send(None, Message("报表", "正文", "http://app/x", mentions=("13800000002", "LiSi")))
    md, text = (r["body"] for r in webhook_receiver.requests)
    assert md == {
        "msgtype": "markdown",
        "markdown": {"content": "### 报表\n正文\n[打开 / Open](http://app/x)"},
    }
    assert text["msgtype"] == "text" and text["text"]["mentioned_mobile_list"] == ["13800000002"]
    assert text["text"]["mentioned_list"] == ["LiSi"] and text["text"]["content"].endswith("http://app/x")


def test_chat_text_over_the_limit_is_cut_and_keeps_the_link(webhook_receiver):
    ch = WecomChannel("wc", {"url": webhook_receiver.url})
    ch.send(None, Message("长", "差异" * 5000, "http://app/full"))
    content = webhook_receiver.requests[0]["body"]["markdown"]["content"]
    assert len(content.encode()) <= WecomChannel.MARKDOWN_BYTES
    assert "截断" in content and content.endswith("(http://app/full)")


@pytest.mark.parametrize(
    ("reply", "error", "permanent"),
    [
        ((200, {"errcode": 45009, "errmsg": "api freq out of limit"}, {}), RateLimited, False),
        ((429, {}, {"Retry-After": "7"}), RateLimited, False),
        ((502, {}, {}), DeliveryError, False),
        ((200, {"errcode": 93000, "errmsg": "invalid webhook url"}, {}), DeliveryError, True),
        ((200, {"errcode": -1, "errmsg": "system busy"}, {}), DeliveryError, False),
    ],
)
def test_robot_replies_are_classified(webhook_receiver, reply, error, permanent):
    webhook_receiver.replies.append(reply)
    with pytest.raises(error) as info:
        WecomChannel("wc", {"url": webhook_receiver.url}).send(None, MSG)
    assert info.value.permanent is permanent
    if reply[0] == 429:
        assert info.value.retry_after == 7


# --- the queue --------------------------------------------------------------------------------------


@pytest.fixture
def eng(tmp_path):
    return ops.engine(f"sqlite:///{tmp_path / 'ops.sqlite'}")


def _queue(eng, n: int, channel: str, prefix: str = "m") -> list[str]:
    return [
        outbox.enqueue(
            eng,
            dedupe_key=f"{prefix}{i}",
            source_kind="report",
            source_id="r",
            channel=channel,
            message=Message(f"{prefix}{i}", "x"),
            now=T0,
        )
        for i in range(n)
    ]


def _states(eng) -> dict[str, int]:
    return outbox.listing(eng)["state"].value_counts().to_dict()


def test_a_rate_limit_reply_requeues_and_never_drops(eng, webhook_receiver):
    channels = build({"webhooks": {"wc": {"type": "wecom", "url": webhook_receiver.url}}}, lambda _id: b"")
    (did,) = _queue(eng, 1, "wc")
    webhook_receiver.replies.append((200, {"errcode": 45009}, {}))
    first = outbox.dispatch(eng, channels, T0)
    assert first.deferred == [did] and _states(eng) == {"queued": 1}
    assert outbox.dispatch(eng, channels, T0 + dt.timedelta(seconds=30)).sent == []  # still waiting
    assert outbox.dispatch(eng, channels, T0 + dt.timedelta(seconds=66)).sent == [did]
    tries = outbox.attempts(eng, did)
    assert tries["outcome"].tolist() == ["rate_limited", "sent"]
    assert len(webhook_receiver.requests) == 2 and _states(eng) == {"sent": 1}
    assert outbox.listing(eng)["attempts"].tolist() == [0]  # a rate limit does not use up an attempt


def test_outbound_limits_defer_what_exceeds_them(eng, webhook_receiver):
    channels = build(
        {
            "webhooks": {
                "wc": {"type": "wecom", "url": webhook_receiver.url},
                "fs": {"type": "feishu", "url": webhook_receiver.url},
            }
        },
        lambda _id: b"",
    )
    _queue(eng, 25, "wc", "w")
    r1 = outbox.dispatch(eng, channels, T0)
    assert (len(r1.sent), len(r1.deferred)) == (20, 5)  # WeCom: 20 a minute
    assert outbox.dispatch(eng, channels, T0 + dt.timedelta(seconds=59)).sent == []
    assert len(outbox.dispatch(eng, channels, T0 + dt.timedelta(seconds=61)).sent) == 5
    _queue(eng, 7, "fs", "f")
    t = T0 + dt.timedelta(minutes=5)
    assert len(outbox.dispatch(eng, channels, t).sent) == 5  # Feishu: 5 a second
    assert len(outbox.dispatch(eng, channels, t + dt.timedelta(seconds=1.5)).sent) == 2
    subjects = [
        r["body"]["markdown"]["content"] if "markdown" in r["body"] else r["body"]["content"]["text"]
        for r in webhook_receiver.requests
    ]
    assert len(subjects) == len(set(subjects)) == 32  # every message once, none lost
    assert _states(eng) == {"sent": 32}


def test_errors_retry_with_backoff_then_fail(eng, webhook_receiver):
    channels = build({"webhooks": {"wc": {"type": "wecom", "url": webhook_receiver.url}}}, lambda _id: b"")
    did = outbox.enqueue(
        eng,
        dedupe_key="k",
        source_kind="alert",
        source_id="a",
        channel="wc",
        message=Message("s", "t"),
        now=T0,
        max_attempts=3,
    )
    webhook_receiver.replies += [(502, {}, {})] * 3
    t = T0
    assert outbox.dispatch(eng, channels, t, retry_base_s=60).retrying == [did]
    assert outbox.dispatch(eng, channels, t + dt.timedelta(seconds=59), retry_base_s=60).retrying == []
    t += dt.timedelta(seconds=60)
    assert outbox.dispatch(eng, channels, t, retry_base_s=60).retrying == [did]  # next wait: 120 s
    assert outbox.dispatch(eng, channels, t + dt.timedelta(seconds=119), retry_base_s=60).failed == []
    assert outbox.dispatch(eng, channels, t + dt.timedelta(seconds=120), retry_base_s=60).failed == [did]
    assert outbox.attempts(eng, did)["outcome"].tolist() == ["error"] * 3
    assert outbox.dispatch(eng, channels, t + dt.timedelta(hours=5)).failed == []  # failed is final


def test_enqueueing_twice_sends_once_and_interrupted_sends_are_not_repeated(eng, webhook_receiver):
    channels = build({"webhooks": {"wc": {"type": "wecom", "url": webhook_receiver.url}}}, lambda _id: b"")
    assert _queue(eng, 1, "wc")[0] is not None
    assert _queue(eng, 1, "wc") == [None]
    outbox.dispatch(eng, channels, T0)
    outbox.dispatch(eng, channels, T0 + dt.timedelta(hours=1))
    assert len(webhook_receiver.requests) == 1
    (stale,) = _queue(eng, 1, "wc", "stale")
    with eng.begin() as con:  # a process died after claiming it
        con.execute(
            outbox.deliveries.update()
            .where(outbox.deliveries.c.delivery_id == stale)
            .values(state="sending", next_attempt_at=T0.replace(tzinfo=None))
        )
    outbox.dispatch(eng, channels, T0 + dt.timedelta(hours=2))
    row = outbox.listing(eng).set_index("delivery_id").loc[stale]
    assert row["state"] == "failed" and "not resent" in row["last_error"]
    assert len(webhook_receiver.requests) == 1


def test_unconfigured_channels_are_logged_as_skipped(eng):
    channels = build({"smtp": {"host": ""}}, lambda _id: b"")
    (did,) = _queue(eng, 1, "email")
    assert outbox.dispatch(eng, channels, T0).skipped == [did]
    assert outbox.attempts(eng, did)["outcome"].tolist() == ["skipped"]


# --- mail ----------------------------------------------------------------------------------------


FILES = {"f1": "差异".encode() * 3000, "f2": b"%PDF-1.4 " + bytes(range(256)) * 40}


NAMES = {
    "f1": (
        "业财对账报告_2025-11_ORG01.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "f2": ("月度管理报告_2025-11_ORG01.pdf", "application/pdf"),
}


def _attachments() -> tuple[Attachment, ...]:
    return tuple(
        Attachment(
            fid,
            name,
            len(FILES[fid]),
            hashlib.sha256(FILES[fid]).hexdigest(),
            mime,
            f"http://app/dl?file={fid}",
        )
        for fid, (name, mime) in NAMES.items()
    )


def test_mail_carries_the_files_with_chinese_names_and_their_checksums(smtp_receiver):
    ch = SmtpChannel("email", smtp_receiver.settings, FILES.__getitem__)
    detail = ch.send(
        "li@example.com", Message("月度管理报告 2025-11", "您好", "http://app/run", _attachments())
    )
    assert "2 attachment(s)" in detail
    (mail,) = smtp_receiver.parsed()
    assert smtp_receiver.mails[0][1] == ["li@example.com"]
    assert mail["subject"] == "月度管理报告 2025-11" and "lb@test.local" in mail["from"]
    got = {a.get_filename(): a.get_payload(decode=True) for a in mail.iter_attachments()}
    assert {n: hashlib.sha256(b).hexdigest() for n, b in got.items()} == {
        a.name: a.sha256 for a in _attachments()
    }
    assert "filename*" in mail.as_string()  # RFC 2231: the Chinese names survive
    assert "http://app/run" in mail.get_body(("plain",)).get_content()


def test_mail_over_the_size_limit_links_the_files_instead(smtp_receiver):
    total = sum(encoded_size(len(b)) for b in FILES.values())
    limit_mb = (total - 1000) / 1024 / 1024  # the raw files fit, their base64 does not
    assert sum(len(b) for b in FILES.values()) < limit_mb * 1024 * 1024 < total
    ch = SmtpChannel("email", smtp_receiver.settings | {"max_message_mb": limit_mb}, FILES.__getitem__)
    detail = ch.send("li@example.com", Message("报告", "您好", "http://app/run", _attachments()))
    assert "left out" in detail
    (mail,) = smtp_receiver.parsed()
    assert list(mail.iter_attachments()) == []
    body = mail.get_body(("plain",)).get_content()
    for a in _attachments():  # not an empty mail: every file is named and linked
        assert a.name in body and a.url in body
    assert "超过邮件上限" in body


def test_mail_server_refusals(smtp_receiver):
    ch = SmtpChannel("email", smtp_receiver.settings, FILES.__getitem__)
    smtp_receiver.replies.append("421 4.7.0 try again later")
    with pytest.raises(RateLimited):
        ch.send("a@example.com", Message("s", "t"))
    smtp_receiver.replies.append("554 5.7.1 rejected")
    with pytest.raises(DeliveryError) as info:
        ch.send("a@example.com", Message("s", "t"))
    assert info.value.permanent
    with pytest.raises(DeliveryError, match="no e-mail address"):
        ch.send(None, Message("s", "t"))
    assert smtp_receiver.mails == []


def test_mail_over_starttls_verifies_the_certificate(smtp_tls_receiver):
    receiver, cert = smtp_tls_receiver
    trusted = SmtpChannel(
        "email", receiver.settings | {"security": "starttls", "ca_file": cert}, FILES.__getitem__
    )
    assert "0 attachment(s)" in trusted.send("li@example.com", Message("加密", "正文"))
    untrusted = SmtpChannel("email", receiver.settings | {"security": "starttls"}, FILES.__getitem__)
    with pytest.raises(DeliveryError, match="certificate"):
        untrusted.send("li@example.com", Message("s", "t"))
    plain = SmtpChannel("email", receiver.settings, FILES.__getitem__)
    with pytest.raises(DeliveryError) as info:  # the server insists on TLS
        plain.send("li@example.com", Message("s", "t"))
    assert info.value.permanent
    assert [m["subject"] for m in receiver.parsed()] == ["加密"]
