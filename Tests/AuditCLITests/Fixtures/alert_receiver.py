"""A webhook receiver for the alert tests, on 127.0.0.1 only.

Usage: alert_receiver.py LOG_FILE BEHAVIOUR_JSON
Prints the port it listens on as its first line, then serves until killed. Each request is
appended to LOG_FILE as one JSON line: time, idempotency key, body, status answered.
BEHAVIOUR: {"fail_first": N, "fail_status": 500, "retry_after": S, "always": STATUS,
            "hang_first": N, "hang_seconds": S, "delay": S, "echo": true}
"echo" makes error responses quote the request's Authorization header inside ANSI colour
escapes, as a careless or hostile receiver might.
"hec_token": T makes it a Splunk HTTP Event Collector: POST /services/collector/event with
"Authorization: Splunk T", a JSON object whose "event" is present and not empty, "time"
a number, "host", "source", "sourcetype", "index" strings and "fields" an object of strings
(Splunk's "Format events for HTTP Event Collector"); anything else is refused with the
status codes of Splunk's "Troubleshoot HTTP Event Collector" table (2 token is required, 401;
3 invalid authorization, 401; 4 invalid token, 403; 6 invalid data format, 400; 12 event
field is required and 13 event field cannot be blank, 400), a success answered
{"text": "Success", "code": 0}.
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


def hec_check(path, authorization, body):
    """(status, answer) of a Splunk HEC for one request."""
    if path != "/services/collector/event":
        return 404, {"text": "The requested URL was not found on this server.", "code": 404}
    if not authorization:
        return 401, {"text": "Token is required", "code": 2}
    if not authorization.startswith("Splunk "):
        return 401, {"text": "Invalid authorization", "code": 3}
    if authorization != "Splunk " + behaviour["hec_token"]:
        return 403, {"text": "Invalid token", "code": 4}
    try:
        envelope = json.loads(body)
    except ValueError:
        return 400, {"text": "Invalid data format", "code": 6}
    if not isinstance(envelope, dict):
        return 400, {"text": "Invalid data format", "code": 6}
    if "event" not in envelope:
        return 400, {"text": "Event field is required", "code": 12}
    if envelope["event"] in ("", None, {}):
        return 400, {"text": "Event field cannot be blank", "code": 13}
    if "time" in envelope and (isinstance(envelope["time"], bool) or not isinstance(envelope["time"], (int, float))):
        return 400, {"text": "Invalid data format", "code": 6}
    for key in ("host", "source", "sourcetype", "index"):
        if key in envelope and not isinstance(envelope[key], str):
            return 400, {"text": "Invalid data format", "code": 6}
    fields = envelope.get("fields", {})
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        return 400, {"text": "Invalid data format", "code": 6}
    return 200, {"text": "Success", "code": 0}


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
        answer = None
        if status == 200 and "hec_token" in behaviour:
            status, answer = hec_check(self.path, self.headers.get("Authorization"), body)
        entry = {"time": time.time(), "key": self.headers.get("Idempotency-Key"), "status": status, "path": self.path,
                 "body": body.decode("utf-8"), "authorization": self.headers.get("Authorization")}
        with lock:
            with open(log_path, "a") as log:
                log.write(json.dumps(entry) + "\n")
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            payload = b"ok" if status < 300 else b"rejected by the test receiver"
            if answer is not None:
                payload = json.dumps(answer).encode()
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
