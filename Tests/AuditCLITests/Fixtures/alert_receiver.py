"""A webhook receiver for the alert tests, on 127.0.0.1 only.

Usage: alert_receiver.py LOG_FILE BEHAVIOUR_JSON
Prints the port it listens on as its first line, then serves until killed. Each request is
appended to LOG_FILE as one JSON line: time, idempotency key, body, status answered.
BEHAVIOUR: {"fail_first": N, "fail_status": 500, "retry_after": S, "always": STATUS,
            "hang_first": N, "hang_seconds": S, "delay": S, "echo": true}
"echo" makes error responses quote the request's Authorization header inside ANSI colour
escapes, as a careless or hostile receiver might.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log_path = sys.argv[1]
behaviour = json.loads(sys.argv[2])
lock = threading.Lock()
count = 0


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # else each keep-alive request costs ~40 ms

    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            count += 1
            number = count
        status, headers = 200, {}
        if number <= behaviour.get("hang_first", 0):
            time.sleep(behaviour.get("hang_seconds", 5))
            status = 200
        elif "always" in behaviour:
            status = behaviour["always"]
        elif number <= behaviour.get("fail_first", 0):
            status = behaviour.get("fail_status", 500)
            if "retry_after" in behaviour:
                headers["Retry-After"] = str(behaviour["retry_after"])
        time.sleep(behaviour.get("delay", 0))
        entry = {"time": time.time(), "key": self.headers.get("Idempotency-Key"), "status": status,
                 "body": body.decode("utf-8"), "authorization": self.headers.get("Authorization")}
        with lock:
            with open(log_path, "a") as log:
                log.write(json.dumps(entry) + "\n")
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            payload = b"ok" if status < 300 else b"rejected by the test receiver"
            if status >= 300 and behaviour.get("echo"):
                payload = ("\x1b[31mdenied; you sent Authorization: %s\x1b[0m" % self.headers.get("Authorization")).encode()
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
