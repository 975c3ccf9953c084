"""Delivery of reports and alerts: e-mail over SMTP and the group robots Chinese teams use
(企业微信 WeCom, 钉钉 DingTalk, 飞书 Feishu).

- :mod:`.message`   what is sent (subject, text, link, attachments by archive file id, @-mentions)
- :mod:`.smtp`      mail with attachments; over the size limit, a mail with download links
- :mod:`.signing`   the DingTalk and Feishu signatures
- :mod:`.webhooks`  the three robots' message formats and error codes
- :mod:`.channels`  the configured channels by name, with their rate limits
- :mod:`.outbox`    the queue in the operational database: every attempt logged, retries
                    with back-off, rate limits respected by re-queueing (never dropping),
                    nothing sent twice
"""
