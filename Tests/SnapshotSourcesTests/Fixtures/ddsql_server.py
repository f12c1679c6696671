"""A stand-in for Datadog's DDSQL API, on 127.0.0.1 only, for the pull tests.

Usage: ddsql_server.py LOG_FILE BEHAVIOUR_JSON
Prints its port as its first line, then serves until killed. Each request is appended to
LOG_FILE as one JSON line: path, status answered, whether the keys matched, the body.

The shapes follow Datadog's API reference ("Execute a tabular DDSQL query", "Fetch the
result of a DDSQL query") and datadog-api-client-python's Ddsql* models:
  POST /api/v2/ddsql/query/tabular
    {"data": {"type": "ddsql_query_request",
              "attributes": {"query", "row_limit" (1..10000, default 5000),
                             "time": {"from_timestamp", "to_timestamp"}}}}
  POST /api/v2/ddsql/query/tabular/fetch
    {"data": {"type": "ddsql_query_fetch_request", "attributes": {"query_id"}}}
  answer: {"data": {"id", "type": "ddsql_query_response",
                    "attributes": {"state": "running"|"completed", "query_id",
                                   "columns": [{"name", "type", "values"}]}}}
  TIMESTAMP values are Unix milliseconds; keys in DD-API-KEY and DD-APPLICATION-KEY;
  errors as {"errors": ["..."]}; 429 with X-RateLimit-Reset (seconds to the reset).
The SQL is not interpreted beyond the keyset page the puller sends:
  SELECT <columns> FROM aws.connect_security_profile|aws.connect_user [WHERE _key > '<key>'] ORDER BY _key LIMIT <n>
aws.connect_user carries the Data Directory's columns ("Connect User"), personal data
among them (identity_info, phone_config, directory_user_id), so a test can tell that a pull
never asks for it.

BEHAVIOUR: {"rows": N, "users": N, "api_key": K, "app_key": K, "running_polls": P,
            "fail_429": N, "fail_500": N, "rate_limit_reset": S, "dump": PATH,
            "shuffle_page": PAGE_NUMBER, "edit_every": N (every Nth row lost a restriction: a later night)}
"""
import json
import random
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log_path = sys.argv[1]
behaviour = json.loads(sys.argv[2])
lock = threading.Lock()
state = {"requests": 0, "queries": {}, "next_id": 0, "pages": 0}

COLUMNS = [
    ("_key", "VARCHAR"), ("account_id", "VARCHAR"), ("allowed_access_control_hierarchy_group_id", "VARCHAR"),
    ("allowed_access_control_tags", "hstore"), ("arn", "VARCHAR"), ("description", "VARCHAR"),
    ("hierarchy_restricted_resources", "VARCHAR[]"), ("id", "VARCHAR"), ("last_modified_region", "VARCHAR"),
    ("last_modified_time", "TIMESTAMP"), ("organization_resource_id", "VARCHAR"), ("security_profile_name", "VARCHAR"),
    ("tag_restricted_resources", "VARCHAR[]"), ("tags", "hstore_csv"),
]


def make_table(count):
    rng = random.Random(7)
    instances = ["4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d", "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"]
    awkward = ['plain', 'a "quoted", name', "O'Brien's team", "tab\there", "line\nbreak", "ünïcødé – ✓", "back\\slash"]
    rows = []
    for i in range(count):
        instance = instances[i % 2]
        pid = "%08x-0000-4000-8000-%012x" % (rng.getrandbits(32), i)
        arn = "arn:aws:connect:eu-west-1:123456789012:instance/%s/security-profile/%s" % (instance, pid)
        rows.append({
            "_key": arn, "account_id": "123456789012",
            "allowed_access_control_hierarchy_group_id": None if i % 3 else "g-%d" % (i % 7),
            "allowed_access_control_tags": {} if i % 4 else {"Department": "Support", "Region": "EMEA"},
            "arn": arn, "description": awkward[i % len(awkward)] + " %d" % i,
            "hierarchy_restricted_resources": ["User"] if i % 2 else [],
            "id": pid, "last_modified_region": "eu-west-1",
            "last_modified_time": 1_790_000_000_000 + i * 1_001,
            "organization_resource_id": instance, "security_profile_name": "Profile %05d" % i,
            "tag_restricted_resources": ["User", "Queue"] if i % 5 == 0 else [],
            "tags": "env:prod,team:cx%d" % (i % 3),
        })
        if behaviour.get("edit_every") and i % behaviour["edit_every"] == 0:
            # A later night: the profile lost its Queue restriction (widened) a second later.
            rows[-1]["tag_restricted_resources"] = ["User"]
            rows[-1]["last_modified_time"] += 1000
    rows.sort(key=lambda row: row["_key"])
    return rows


USER_COLUMNS = [
    ("_key", "VARCHAR"), ("account_id", "VARCHAR"), ("arn", "VARCHAR"), ("directory_user_id", "VARCHAR"),
    ("hierarchy_group_id", "VARCHAR"), ("id", "VARCHAR"), ("identity_info", "STRUCT"), ("phone_config", "STRUCT"),
    ("routing_profile_id", "VARCHAR"), ("security_profile_ids", "VARCHAR[]"), ("tags", "hstore"), ("username", "VARCHAR"),
]


def make_users(count, profiles):
    """Users of the profiles' instances, each holding one or two profiles of its own instance."""
    rng = random.Random(11)
    by_instance = {}
    for profile in profiles:
        by_instance.setdefault(profile["organization_resource_id"], []).append(profile["id"])
    instances = sorted(by_instance)
    users = []
    for i in range(count):
        instance = instances[i % len(instances)] if instances else "4f6a2b1c-9d8e-4a7b-b6c5-1e2f3a4b5c6d"
        held = by_instance.get(instance, ["p-%d" % i])
        uid = "%08x-1111-4000-8000-%012x" % (rng.getrandbits(32), i)
        arn = "arn:aws:connect:eu-west-1:123456789012:instance/%s/agent/%s" % (instance, uid)
        users.append({
            "_key": arn, "account_id": "123456789012", "arn": arn, "directory_user_id": "dir-%d" % i,
            "hierarchy_group_id": None if i % 3 else "g-%d" % (i % 7), "id": uid,
            "identity_info": {"first_name": "Agent", "last_name": "No. %d" % i, "email": "agent%d@example.com" % i},
            "phone_config": {"phone_type": "SOFT_PHONE", "desk_phone_number": "+4420700%05d" % i},
            "routing_profile_id": "rp-%d" % (i % 4),
            "security_profile_ids": sorted(set([held[i % len(held)], held[(i * 7) % len(held)]])),
            "tags": {} if i % 2 else {"team": "cx"}, "username": "agent.%05d" % i,
        })
    users.sort(key=lambda row: row["_key"])
    return users


table = make_table(behaviour.get("rows", 100))
tables = {
    "aws.connect_security_profile": (table, COLUMNS),
    "aws.connect_user": (make_users(behaviour.get("users", 0), table), USER_COLUMNS),
}
if "dump" in behaviour:
    with open(behaviour["dump"], "w") as dump:
        json.dump({"data": {"id": "dump", "type": "ddsql_query_response", "attributes": {"state": "completed", "columns": [
            {"name": name, "type": kind, "values": [row[name] for row in table]} for name, kind in COLUMNS]}}}, dump)

QUERY = re.compile(r"^SELECT (.+) FROM (\S+)(?: WHERE _key > '((?:[^']|'')*)')? ORDER BY _key LIMIT (\d+)$")


def page(query, row_limit):
    match = QUERY.match(query)
    if not match:
        return None, "unsupported statement for this stand-in: " + query
    columns, name, after, limit = match.groups()
    if name not in tables:
        return None, "table %s not found" % name
    source, source_columns = tables[name]
    after = after.replace("''", "'") if after is not None else None
    wanted = [c.strip() for c in columns.split(",")]
    known = dict(source_columns)
    if any(c not in known for c in wanted):
        return None, "unknown column in " + columns
    rows = [row for row in source if after is None or row["_key"] > after][:min(int(limit), row_limit)]
    with lock:
        state["pages"] += 1
        number = state["pages"]
    if behaviour.get("shuffle_page") == number and len(rows) > 1:
        rows = rows[1:] + rows[:1]
    return [{"name": c, "type": known[c], "values": [row[c] for row in rows]} for c in wanted], None


def answer(columns=None, query_id=None):
    with lock:
        state["next_id"] += 1
        rid = "r%d" % state["next_id"]
    if query_id is not None:
        return {"data": {"id": rid, "type": "ddsql_query_response", "attributes": {"state": "running", "query_id": query_id}}}
    return {"data": {"id": rid, "type": "ddsql_query_response", "attributes": {"state": "completed", "columns": columns}}}


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True

    def reply(self, status, body, headers=None):
        # Logged before the answer goes out, so a client that has its answer finds the entry.
        entry = dict(self.entry, status=status)
        with lock:
            with open(log_path, "a") as log:
                log.write(json.dumps(entry) + "\n")
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        return status

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            state["requests"] += 1
            number = state["requests"]
        keys_ok = (self.headers.get("DD-API-KEY") == behaviour.get("api_key")
                   and self.headers.get("DD-APPLICATION-KEY") == behaviour.get("app_key"))
        self.entry = {"path": self.path, "keys_ok": keys_ok, "body": raw.decode("utf-8")}
        self.handle_request(raw, number, keys_ok)

    def handle_request(self, raw, number, keys_ok):
        if not keys_ok:
            return self.reply(403, {"errors": ["Forbidden"]})
        if number <= behaviour.get("fail_429", 0):
            return self.reply(429, {"errors": ["Rate limit of 10 requests in 10 seconds reached"]},
                              {"X-RateLimit-Limit": "10", "X-RateLimit-Period": "10",
                               "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(behaviour.get("rate_limit_reset", 0))})
        if number <= behaviour.get("fail_429", 0) + behaviour.get("fail_500", 0):
            return self.reply(500, {"errors": ["Internal Server Error"]})
        try:
            body = json.loads(raw)
            data = body["data"]
            attributes = data["attributes"]
        except (ValueError, KeyError, TypeError):
            return self.reply(400, {"errors": ["malformed JSON:API body"]})
        if self.path == "/api/v2/ddsql/query/tabular":
            if data.get("type") != "ddsql_query_request":
                return self.reply(400, {"errors": ["data.type must be ddsql_query_request"]})
            time_window = attributes.get("time")
            if not isinstance(time_window, dict) or not isinstance(time_window.get("from_timestamp"), int) \
                    or not isinstance(time_window.get("to_timestamp"), int):
                return self.reply(400, {"errors": ["time.from_timestamp and time.to_timestamp are required"]})
            row_limit = attributes.get("row_limit", 5000)
            if not isinstance(row_limit, int) or not 1 <= row_limit <= 10000:
                return self.reply(400, {"errors": ["row_limit must be between 1 and 10000"]})
            columns, error = page(attributes.get("query", ""), row_limit)
            if error:
                return self.reply(400, {"errors": [error]})
            polls = behaviour.get("running_polls", 0)
            if polls:
                with lock:
                    query_id = "q-%d" % number
                    state["queries"][query_id] = [polls, columns]
                return self.reply(200, answer(query_id=query_id))
            return self.reply(200, answer(columns))
        if self.path == "/api/v2/ddsql/query/tabular/fetch":
            if data.get("type") != "ddsql_query_fetch_request":
                return self.reply(400, {"errors": ["data.type must be ddsql_query_fetch_request"]})
            query_id = attributes.get("query_id")
            with lock:
                entry = state["queries"].get(query_id)
                if entry is None:
                    missing = True
                else:
                    missing = False
                    entry[0] -= 1
                    done = entry[0] <= 0
            if missing:
                return self.reply(404, {"errors": ["query %s not found" % query_id]})
            return self.reply(200, answer(entry[1]) if done else answer(query_id=query_id))
        return self.reply(404, {"errors": ["not found"]})

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
