"""A message as queued: stored as JSON in the outbox, so a retry sends exactly the same thing."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Attachment:
    """An archived file: sent by mail, or linked to (``url``) when too large or in a chat."""

    file_id: str
    name: str
    size: int
    sha256: str
    mime: str
    url: str = ""


@dataclass(frozen=True)
class Message:
    """Subject, plain text body, a link to the app, attachments and chat ids to @-mention."""

    subject: str
    text: str
    link: str = ""
    attachments: tuple[Attachment, ...] = ()
    mentions: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Message:
        raw = json.loads(text)
        return cls(
            subject=raw["subject"],
            text=raw["text"],
            link=raw.get("link", ""),
            attachments=tuple(Attachment(**a) for a in raw.get("attachments", [])),
            mentions=tuple(raw.get("mentions", [])),
        )

    def chat_text(self) -> str:
        """Subject, body and link as one chat message."""
        parts = [self.subject, self.text]
        if self.link:
            parts.append(self.link)
        return "\n".join(p for p in parts if p)
