"""Test-only plugin for tests/e2e/test_rich_e2e.py: ``!sendfiles`` sends a PDF and a PNG where it
was asked (the group, or the DM) with errbot's send_stream_request and answers with how each went."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from errbot import BotPlugin, botcmd

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class RichProbe(BotPlugin):
    """Sends files on request."""

    @botcmd
    def sendfiles(self, msg: Any, args: str) -> str:
        """Send report.pdf and chart.png here."""
        where = msg.to if msg.is_group else msg.frm
        streams = [self.send_stream_request(where, BytesIO(PDF), name="report.pdf", stream_type="application/pdf"),
                   self.send_stream_request(where, BytesIO(PNG), name="chart.png", stream_type="image/png")]
        for stream in streams:
            stream.wait(30)
        return "files: " + ", ".join(f"{s.name} {s.status}" for s in streams)
