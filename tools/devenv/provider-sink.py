#!/usr/bin/python3
"""provider-sink.py: a stand-in for the SMS and push providers of notification-service (stdlib only).

usage: python3 provider-sink.py HOST:PORT LOGFILE

Every POST/PUT/PATCH (any path, e.g. /sms, /push) is accepted like a provider's send API: answered
202 {"id": "<provider message id>", "status": "accepted"} and appended to LOGFILE as one JSON line
{"receivedAt", "method", "path", "headers", "body", "idempotencyKey", "messageId"}.
A request with an Idempotency-Key header that was seen before (in this run or in LOGFILE) is a retry: it gets the
first request's id (and "duplicate": true in the answer) and is not logged again, as a provider dedupes.
GET /healthz answers 200. Runs until SIGTERM/SIGINT.
"""
import json
import sys
import threading
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A provider's request is a small JSON document; refuse anything larger rather than buffer it.
MAX_BODY_BYTES = 1024 * 1024


class Sink:
    def __init__(self, log_path):
        self.log_path = log_path
        self.lock = threading.Lock()
        self.ids_by_key = {}
        try:
            with open(log_path, encoding="utf-8") as log:
                for line in log:
                    entry = json.loads(line)
                    if entry.get("idempotencyKey"):
                        self.ids_by_key[entry["idempotencyKey"]] = entry["messageId"]
        except FileNotFoundError:
            pass

    def accept(self, method, path, headers, body):
        """The provider's message id, and whether the request repeats one already accepted."""
        key = headers.get("Idempotency-Key")
        with self.lock:
            if key and key in self.ids_by_key:
                return self.ids_by_key[key], True
            message_id = "msg_" + uuid.uuid4().hex
            entry = {
                "receivedAt": datetime.now(timezone.utc).isoformat(),
                "method": method,
                "path": path,
                "headers": {name: value for name, value in headers.items()},
                "body": body.decode("utf-8", errors="replace"),
                "idempotencyKey": key,
                "messageId": message_id,
            }
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry) + "\n")
                log.flush()
            if key:
                self.ids_by_key[key] = message_id
            return message_id, False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sink = None

    def do_GET(self):
        self.answer(200 if self.path == "/healthz" else 404, {"status": "ok"} if self.path == "/healthz" else {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.answer(413, {"error": f"body larger than {MAX_BODY_BYTES} bytes"})
            return
        body = self.rfile.read(length)
        message_id, duplicate = self.sink.accept(self.command, self.path, self.headers, body)
        self.answer(202, {"id": message_id, "status": "accepted", "duplicate": duplicate})

    do_PUT = do_POST
    do_PATCH = do_POST

    def answer(self, status, document):
        payload = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        print("provider-sink: " + format % args, file=sys.stderr, flush=True)


def main():
    if len(sys.argv) != 3 or ":" not in sys.argv[1]:
        print(__doc__, file=sys.stderr)
        return 2
    host, port = sys.argv[1].rsplit(":", 1)
    Handler.sink = Sink(sys.argv[2])
    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True
    import signal
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"provider-sink: listening on http://{host}:{port}, log {sys.argv[2]}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
