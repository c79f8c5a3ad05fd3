#!/usr/bin/python3
"""smtp-maildir.py: the local SMTP server of `./ledgerx up` and `./ledgerx test` (Debian's python3-aiosmtpd).

usage: /usr/bin/python3 smtp-maildir.py HOST:PORT MAILDIR

Accepts every message (no authentication, no TLS: loopback only) and stores it in MAILDIR, a standard maildir:
each mail is one file in MAILDIR/new, written to MAILDIR/tmp first and renamed, so a reader never sees half a mail.
aiosmtpd's Mailbox handler adds the envelope as headers: X-MailFrom, X-RcptTo (every recipient, Bcc included)
and X-Peer. One line per mail goes to stderr. Runs until SIGTERM/SIGINT.

Always run it with /usr/bin/python3: the Debian module is not on pyenv's or a virtualenv's path.
"""
import asyncio
import signal
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

# A notification mail is a few kilobytes; this bound only stops a runaway client from filling the disk.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


class LoggingMailbox(Mailbox):
    def handle_message(self, message):
        super().handle_message(message)
        print(f"smtp: mail from {message.get('X-MailFrom')} to {message.get('X-RcptTo')}: {message.get('Subject')}",
              file=sys.stderr, flush=True)


def main() -> int:
    if len(sys.argv) != 3 or ":" not in sys.argv[1]:
        print(__doc__, file=sys.stderr)
        return 2
    host, port = sys.argv[1].rsplit(":", 1)
    controller = Controller(LoggingMailbox(sys.argv[2]), hostname=host, port=int(port), data_size_limit=MAX_MESSAGE_BYTES)
    controller.start()  # returns once the server accepts connections
    print(f"smtp: listening on {host}:{port}, mail into {sys.argv[2]}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
