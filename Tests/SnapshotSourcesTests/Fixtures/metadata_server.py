"""A stand-in for the EC2 instance metadata service (IMDSv2) and the ECS container
credentials endpoint, on 127.0.0.1 only, for the credential tests.

Usage: metadata_server.py LOG_FILE BEHAVIOUR_JSON
Prints its port as its first line, then serves until killed; logs one JSON line a request.

Shapes as the AWS documentation gives them ("Retrieve security credentials from instance
metadata"; "Amazon ECS task IAM role"): PUT /latest/api/token with
X-aws-ec2-metadata-token-ttl-seconds gives a session token; GET
/latest/meta-data/iam/security-credentials/ with X-aws-ec2-metadata-token lists the role;
GET .../ROLE and GET /ecs/credentials (with the Authorization token) give
{"Code", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"}.
Each credentials answer is a new key (ASIA...1, 2, ...), expiring after "expires_in" seconds.

BEHAVIOUR: {"role": NAME, "expires_in": SECONDS, "authorization": TOKEN, "secret": S, "session": T}
"""
import datetime
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log_path = sys.argv[1]
behaviour = json.loads(sys.argv[2])
lock = threading.Lock()
state = {"issued": 0, "tokens": set()}


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, text, kind="text/plain"):
        # Logged before the answer goes out, so a client that has its answer finds the entry.
        with lock:
            with open(log_path, "a") as log:
                log.write(json.dumps({"method": self.command, "path": self.path, "status": status}) + "\n")
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def credentials(self):
        with lock:
            state["issued"] += 1
            number = state["issued"]
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=behaviour.get("expires_in", 3600))
        return json.dumps({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "ASIAMETADATA%d" % number,
                           "SecretAccessKey": behaviour.get("secret", "metadata-secret"), "Token": behaviour.get("session", "metadata-session"),
                           "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")})

    def do_PUT(self):
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            with lock:
                token = "imds-token-%d" % (len(state["tokens"]) + 1)
                state["tokens"].add(token)
            return self.reply(200, token)
        return self.reply(400, "bad token request")

    def do_GET(self):
        if self.path == "/ecs/credentials":
            if self.headers.get("Authorization") != behaviour.get("authorization"):
                return self.reply(401, "unauthorized")
            return self.reply(200, self.credentials(), "application/json")
        if self.path.startswith("/latest/meta-data/iam/security-credentials/"):
            if self.headers.get("X-aws-ec2-metadata-token") not in state["tokens"]:
                return self.reply(401, "")  # IMDSv2 only: no token, no answer
            role = self.path[len("/latest/meta-data/iam/security-credentials/"):]
            if role == "":
                return self.reply(200, behaviour.get("role", "audit-role"))
            if role == behaviour.get("role", "audit-role"):
                return self.reply(200, self.credentials(), "application/json")
        return self.reply(404, "not found")

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
