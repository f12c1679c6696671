"""A server that misbehaves on purpose, on 127.0.0.1 only, for the HTTP policy's tests.

Usage: hostile_server.py LOG_FILE BEHAVIOUR_JSON
Prints its port as its first line, then serves until killed. Each request is appended to
LOG_FILE as one JSON line: method, path, headers, body length.

BEHAVIOUR: {"mode": one of
   "redirect"  answer every request with "status" (301/302/307/308) and Location: "location"
   "trickle"   send a 200 head, then one byte of body every "interval" seconds, forever
   "endless"   send a 200 head without a length, then zero bytes until the client leaves
   "echo"      answer "status" (default 400) with a JSON body repeating every request header
   "ok"        answer 200 {"ok": true}
}
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log_path = sys.argv[1]
behaviour = json.loads(sys.argv[2])
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock, open(log_path, "a") as log:
            log.write(json.dumps({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                                  "body_length": len(body)}) + "\n")
        mode = behaviour.get("mode", "ok")
        try:
            if mode == "redirect":
                self.send_response(behaviour.get("status", 302))
                self.send_header("Location", behaviour["location"])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif mode == "trickle":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "1000000")
                self.end_headers()
                while True:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(behaviour.get("interval", 2))
            elif mode == "endless":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"0" * 65536
                while True:
                    self.wfile.write(chunk)
            elif mode == "echo":
                text = json.dumps({"errors": ["you sent: " + json.dumps(dict(self.headers.items()))],
                                   "Message": "you sent: " + json.dumps(dict(self.headers.items()))}).encode()
                self.send_response(behaviour.get("status", 400))
                self.send_header("Content-Type", "application/json")
                self.send_header("x-amzn-ErrorType", "AccessDeniedException")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
            else:
                text = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = handle_any
    do_POST = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
