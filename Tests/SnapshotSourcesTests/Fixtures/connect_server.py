"""A stand-in for the Amazon Connect REST-JSON API, on 127.0.0.1 only, for the pull tests.

Usage: connect_server.py LOG_FILE BEHAVIOUR_JSON
Prints its port as its first line, then serves until killed. Each request is appended to
LOG_FILE as one JSON line: method, path, region signed for, status answered.

Paths and shapes follow botocore's service model (botocore/data/connect/2017-08-08/
service-2.json, protocol rest-json, signing name "connect") and its paginators:
  GET /instance                                                  -> InstanceSummaryList, NextToken
  GET /security-profiles-summary/{InstanceId}                    -> SecurityProfileSummaryList, NextToken
  GET /security-profiles/{InstanceId}/{SecurityProfileId}        -> SecurityProfile
  GET /security-profiles-permissions/{InstanceId}/{SecurityProfileId}   -> Permissions, NextToken, LastModified*
  GET /security-profiles-applications/{InstanceId}/{SecurityProfileId}  -> Applications, NextToken, LastModified*
  POST /search-users  {"InstanceId", "MaxResults" (1..500), "NextToken"}  -> Users (UserSearchSummary), NextToken,
                                                                              ApproximateTotalCount
  query: maxResults, nextToken; errors: x-amzn-ErrorType and {"Message": ...}; throttling is HTTP 429.

Every request's Signature Version 4 is verified here, independently of the client (this
file's own canonical request, from the raw request line and headers): the key id, the
session token when one is set, the scope's service, the time (15 minutes), the signature.
The region of the answer is the region the request was signed for.

BEHAVIOUR: {"access_key", "secret", "token" (optional), "regions": [...],
            "instances": per region, "profiles": per instance, "page_cap": largest page,
            "throttle_every": N (every Nth request answers 429 ThrottlingException),
            "dump": PATH (every profile in the aws format, as a pull should write it),
            "users": per instance (UserSearchSummary objects, personal data included: IdentityInfo,
                     PhoneConfig, DirectoryUserId), "dump_users": PATH (every user served, whole),
            "path_prefix": "/some/prefix" (served under it, as behind a proxy; the signature
                           covers the whole path),
            "no_arn_every": N (every Nth profile described without its Arn),
            "accounts": ["111122223333", ...] (each account its own profiles; default one account),
            "deny": ["444455556666", ...] (AssumeRole into these accounts is AccessDenied),
            "web_identity_token": TOKEN (AssumeRoleWithWebIdentity accepts this token only),
            "sso_token": TOKEN (SSO GetRoleCredentials accepts this bearer token only),
            "echo_secrets": true (STS and SSO errors repeat the token they refused, as a careless
                             service might: the client must mask it),
            "quota": {"rate": 2, "burst": 5} (a token bucket per account, region and API;
                      above it, 429 ThrottlingException, as Amazon Connect answers)}

The same port serves AWS STS (query protocol, botocore/data/sts/2011-06-15: POST / with
Action=AssumeRole, signed for service "sts"; Action=AssumeRoleWithWebIdentity, unsigned;
XML answers in the 2011-06-15 namespace, errors as <ErrorResponse><Error><Code>) and IAM
Identity Center's GetRoleCredentials (botocore/data/sso/2019-06-10: GET /federation/
credentials?role_name=&account_id=, header x-amz-sso_bearer_token). Credentials it issues
are remembered: a Connect request signed with them reads the account they were issued for.
"""
import base64
import datetime
import hashlib
import hmac
import json
import random
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote

log_path = sys.argv[1]
behaviour = json.loads(sys.argv[2])
lock = threading.Lock()
state = {"requests": 0}
ACCOUNT = "111122223333"
PERMISSIONS = [
    "BasicAgentAccess", "OutboundCallAccess", "AccessMetrics", "AccessMetrics.RealTimeMetrics.Access",
    "AccessMetrics.HistoricalMetrics.Access", "ContactSearch.View", "MyContacts.View", "Users.View", "Users.Edit",
    "Users.EditPermission", "SecurityProfiles.View", "SecurityProfiles.Edit", "RoutingPolicies.View", "Queues.View",
    "Queues.Edit", "Prompts.View", "Prompts.Edit", "ContactFlows.View", "ContactFlows.Edit", "ContactFlows.Publish",
    "CallRecordings.Redacted.Access", "CallRecordings.Unredacted.Access", "ContactTranscripts.Redacted.Access",
    "RestrictContactAccessByHierarchy.View", "RestrictTaskCreation.Access", "ManagerListenIn", "ScreenRecording.Access",
    "HoursOfOperation.View", "TransferDestinations.View", "AgentStates.View", "Rules.View", "Evaluation.View",
    "Cases.View", "CustomerProfiles.View", "TaskTemplates.View", "Views.View", "HistoricalChanges.View",
    "AgentGrouping.View", "PhoneNumbers.View", "MetricsReports.View", "Forecasting.View",
]


def uuid(rng):
    return "%08x-%04x-4%03x-8%03x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                            rng.getrandbits(12), rng.getrandbits(48))


def build():
    world = {}
    for number, account in enumerate(behaviour.get("accounts", [ACCOUNT])):
        world[account] = build_account(account, random.Random(11 + number))
    return world


def build_account(ACCOUNT, rng):
    world = {}
    for region in behaviour.get("regions", ["eu-west-1"]):
        instances = []
        for i in range(behaviour.get("instances", 2)):
            iid = uuid(rng)
            arn = "arn:aws:connect:%s:%s:instance/%s" % (region, ACCOUNT, iid)
            profiles = []
            for p in range(behaviour.get("profiles", 10)):
                pid = uuid(rng)
                parn = "%s/security-profile/%s" % (arn, pid)
                body = {
                    "Id": pid, "OrganizationResourceId": iid, "Arn": parn,
                    "SecurityProfileName": "Profile %s %d %d" % (region, i, p),
                    "Description": ["Agents", "Supervisors, \"tier 2\"", "Admins – EMEA", ""][p % 4] or None,
                    "Tags": {"team": "cx%d" % (p % 3), "env": "prod"},
                    "LastModifiedTime": 1790000000 + p * 17 + i * 0.125,
                    "LastModifiedRegion": region,
                }
                if p % 3 == 0:
                    body["TagRestrictedResources"] = ["User", "Queue"]
                    body["AllowedAccessControlTags"] = {"Department": "Support"}
                if p % 5 == 0:
                    body["HierarchyRestrictedResources"] = ["User"]
                    body["AllowedAccessControlHierarchyGroupId"] = uuid(rng)
                if p % 11 == 0:
                    body["GranularAccessControlConfiguration"] = {"DataTableAccessControlConfiguration": {
                        "PrimaryAttributeAccessControlConfiguration": {"PrimaryAttributeValues": [
                            {"AccessType": "ALLOW", "AttributeName": "Region", "Values": ["EMEA"]}]}}}
                body = {k: v for k, v in body.items() if v is not None}
                permissions = rng.sample(PERMISSIONS, rng.randint(0, 30))
                applications = []
                if p % 4 == 1:
                    applications = [{"Namespace": "AcmeCRM", "ApplicationPermissions": ["Read", "Write"][: 1 + p % 2],
                                     "Type": "THIRD_PARTY_APPLICATION"}]
                    if p % 8 == 1:
                        applications.append({"Namespace": "Tools", "ApplicationPermissions": ["Export"], "Type": "MCP"})
                profiles.append({"body": body, "permissions": permissions, "applications": applications})
            users = []
            for u in range(behaviour.get("users", 0)):
                uid = uuid(rng)
                held = sorted({profiles[(u * 3) % len(profiles)]["body"]["Id"], profiles[(u * 7 + 1) % len(profiles)]["body"]["Id"]}) \
                    if profiles else []
                user = {"Arn": "%s/agent/%s" % (arn, uid), "Id": uid, "Username": "agent.%s.%d.%04d" % (region, i, u),
                        "SecurityProfileIds": held, "RoutingProfileId": uuid(rng),
                        "IdentityInfo": {"FirstName": "Agent", "LastName": "No. %d" % u},
                        "PhoneConfig": {"PhoneType": "DESK_PHONE", "DeskPhoneNumber": "+4420700%05d" % u, "AutoAccept": False},
                        "DirectoryUserId": "directory-%d" % u, "Tags": {"team": "cx"}}
                if u % 4 == 0:
                    user["HierarchyGroupId"] = uuid(rng)
                users.append(user)
            instances.append({"Id": iid, "Arn": arn, "InstanceStatus": "ACTIVE", "InstanceAlias": "cc-%s-%d" % (region, i),
                              "IdentityManagementType": "CONNECT_MANAGED", "profiles": profiles, "users": users})
        # An instance whose creation failed: its profiles cannot be read, a pull skips it.
        instances.append({"Id": uuid(rng), "Arn": "arn:aws:connect:%s:%s:instance/failed" % (region, ACCOUNT),
                          "InstanceStatus": "CREATION_FAILED", "IdentityManagementType": "CONNECT_MANAGED", "profiles": None,
                          "users": None})
        world[region] = instances
    return world


world = build()
# Issued credentials: access key -> (secret, token, account).
issued = {}
buckets = {}
if "dump" in behaviour:
    lines = []
    for account, regions in world.items():
        if account in behaviour.get("deny", []):
            continue
        for instance in (i for instances in regions.values() for i in instances):
            for profile in instance["profiles"] or []:
                lines.append(json.dumps({"SecurityProfile": profile["body"], "Permissions": profile["permissions"],
                                         "Applications": profile["applications"]}, sort_keys=True))
    with open(behaviour["dump"], "w") as dump:
        dump.write("\n".join(sorted(lines)) + "\n")
if "dump_users" in behaviour:
    with open(behaviour["dump_users"], "w") as dump:
        for account, regions in world.items():
            for instance in (i for instances in regions.values() for i in instances):
                for user in instance["users"] or []:
                    dump.write(json.dumps(user, sort_keys=True) + "\n")


def token_for(offset):
    # Opaque, with characters that need percent-encoding in a query.
    return "tok/" + base64.b64encode(("offset=%d;+" % offset).encode()).decode()


def offset_of(token):
    if not token:
        return 0
    try:
        return int(base64.b64decode(token[4:]).decode().split(";")[0].split("=")[1])
    except Exception:
        return None


def sign(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def reply(self, status, body, error_type=None):
        # Logged before the answer goes out, so a client that has its answer finds the entry.
        self.log(status)
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type + ":http://internal.amazon.com/coral/com.amazonaws.connect/")
        self.end_headers()
        self.wfile.write(data)
        return status

    def verify(self, service, body=b""):
        """(region, account) signed for, or an error answer's (status, body, type)."""
        authorization = self.headers.get("Authorization", "")
        if not authorization.startswith("AWS4-HMAC-SHA256 "):
            return None, (403, {"message": "Missing Authentication Token"}, "MissingAuthenticationTokenException")
        fields = dict(part.strip().split("=", 1) for part in authorization[len("AWS4-HMAC-SHA256 "):].split(","))
        credential = fields.get("Credential", "").split("/")
        if len(credential) != 5 or credential[4] != "aws4_request":
            return None, (403, {"message": "Authorization header requires a valid Credential"}, "IncompleteSignature")
        key_id, day, region, signed_service, _ = credential
        with lock:
            known = issued.get(key_id)
        if known is None and key_id == behaviour["access_key"]:
            known = (behaviour["secret"], behaviour.get("token"), behaviour.get("accounts", [ACCOUNT])[0])
        if known is None:
            return None, (403, {"message": "The security token included in the request is invalid."}, "UnrecognizedClientException")
        secret, token, account = known
        signed = fields.get("SignedHeaders", "").split(";")
        if signed_service != service or "host" not in signed or "x-amz-date" not in signed:
            return None, (403, {"message": "Credential should be scoped to correct service: '%s'." % service}, "InvalidSignatureException")
        amz_date = self.headers.get("X-Amz-Date", "")
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            return None, (403, {"message": "X-Amz-Date is not a valid date"}, "IncompleteSignature")
        if abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) > 900 or not amz_date.startswith(day):
            return None, (403, {"message": "Signature expired"}, "InvalidSignatureException")
        if token and (self.headers.get("X-Amz-Security-Token") != token or "x-amz-security-token" not in signed):
            return None, (403, {"message": "The security token included in the request is invalid."}, "UnrecognizedClientException")
        path, _, query = self.path.partition("?")
        canonical_query = "&".join(sorted(
            "%s=%s" % (quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in parse_qsl(query, keep_blank_values=True)))
        canonical_headers = "".join(
            "%s:%s\n" % (name, ",".join(" ".join(v.split()) for v in (self.headers.get_all(name) or []))) for name in signed)
        canonical = "\n".join([self.command, quote(path, safe="/~"), canonical_query, canonical_headers, ";".join(signed),
                               hashlib.sha256(body).hexdigest()])
        scope = "/".join([day, region, signed_service, "aws4_request"])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = sign(sign(sign(sign(("AWS4" + secret).encode(), day), region), signed_service), "aws4_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return None, (403, {"message": "The request signature we calculated does not match the signature you provided. "
                                           "Check your AWS Secret Access Key and signing method."}, "InvalidSignatureException")
        return (region, account), None

    def log(self, status, **extra):
        with lock:
            with open(log_path, "a") as log:
                entry = {"method": self.command, "path": self.path, "region": getattr(self, "region", None),
                         "account": getattr(self, "account", None), "operation": getattr(self, "operation", None),
                         "status": status, "time": time.time()}
                entry.update(extra)
                log.write(json.dumps(entry) + "\n")

    def issue(self, account):
        """New temporary credentials for account."""
        with lock:
            state["issued"] = state.get("issued", 0) + 1
            n = state["issued"]
            key = "ASIASTANDIN%08d" % n
            issued[key] = ("issued/secret/%d" % n, "issued-token-%d" % n, account)
        expiration = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return key, issued[key][0], issued[key][1], expiration

    def xml(self, status, text):
        self.log(status)
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def sts_error(self, status, code, message):
        self.xml(status, '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                         '<Code>%s</Code><Message>%s</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>'
                 % (code, message.replace("&", "&amp;").replace("<", "&lt;")))

    def do_POST(self):
        """Connect's SearchUsers; else AWS STS: AssumeRole (signed) and AssumeRoleWithWebIdentity (unsigned)."""
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path.partition("?")[0] == behaviour.get("path_prefix", "") + "/search-users":
            return self.search_users(body)
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        action = form.get("Action")
        self.operation = action
        if form.get("Version") != "2011-06-15":
            return self.sts_error(400, "InvalidAction", "Could not find operation %s for version %s" % (action, form.get("Version")))
        role = form.get("RoleArn", "")
        match = re.match(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]+$", role)
        if not match or not form.get("RoleSessionName"):
            return self.sts_error(400, "ValidationError", "RoleArn and RoleSessionName are required")
        account = match.group(1)
        if action == "AssumeRole":
            signer, error = self.verify("sts", body)
            if error:
                return self.sts_error(error[0], error[2], error[1].get("message", ""))
            self.region, self.account = signer
        elif action == "AssumeRoleWithWebIdentity":
            if "Authorization" in self.headers:
                return self.sts_error(400, "InvalidParameterValue", "AssumeRoleWithWebIdentity is not signed")
            if form.get("WebIdentityToken") != behaviour.get("web_identity_token"):
                echo = " for token %s" % form.get("WebIdentityToken") if behaviour.get("echo_secrets") else ""
                return self.sts_error(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider" + echo)
        else:
            return self.sts_error(400, "InvalidAction", "Could not find operation " + str(action))
        if account in behaviour.get("deny", []) or account not in world:
            return self.sts_error(403, "AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource: " + role)
        key, secret, token, expiration = self.issue(account)
        self.xml(200, '<%sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><%sResult><Credentials>'
                      '<AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken>'
                      '<Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>%s</Arn><AssumedRoleId>AROA:%s</AssumedRoleId>'
                      '</AssumedRoleUser></%sResult><ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata></%sResponse>'
                 % (action, action, key, secret, token, expiration, role, form["RoleSessionName"], action, action))

    def search_users(self, raw):
        """SearchUsers (rest-json POST, signed for connect over its body): one page of an instance's users."""
        with lock:
            state["requests"] += 1
            number = state["requests"]
        self.operation = "SearchUsers"
        signer, error = self.verify("connect", raw)
        self.region, self.account = signer if signer else (None, None)
        if error:
            return self.reply(error[0], error[1], error[2])
        if behaviour.get("throttle_every") and number % behaviour["throttle_every"] == 0 or self.over_quota():
            return self.reply(429, {"Message": "Rate exceeded"}, "ThrottlingException")
        try:
            request = json.loads(raw)
        except ValueError:
            return self.reply(400, {"Message": "body is not JSON"}, "SerializationException")
        size = request.get("MaxResults", 100)
        if not isinstance(size, int) or not 1 <= size <= 500:
            return self.reply(400, {"Message": "MaxResults must be from 1 to 500"}, "InvalidParameterException")
        instance = next((i for i in world.get(self.account, {}).get(self.region) or [] if i["Id"] == request.get("InstanceId")), None)
        if instance is None:
            return self.reply(404, {"Message": "Instance not found"}, "ResourceNotFoundException")
        if instance["users"] is None:
            return self.reply(400, {"Message": "Instance is not active"}, "InvalidRequestException")
        offset = offset_of(request.get("NextToken"))
        if offset is None:
            return self.reply(400, {"Message": "Invalid NextToken"}, "InvalidParameterException")
        size = min(size, behaviour.get("page_cap", 500))
        users = instance["users"]
        answer = {"Users": users[offset:offset + size], "ApproximateTotalCount": len(users)}
        if offset + size < len(users):
            answer["NextToken"] = token_for(offset + size)
        return self.reply(200, answer)

    def sso(self):
        """IAM Identity Center GetRoleCredentials."""
        self.operation = "GetRoleCredentials"
        params = dict(parse_qsl(self.path.partition("?")[2]))
        if self.headers.get("x-amz-sso_bearer_token") != behaviour.get("sso_token"):
            echo = " (%s)" % self.headers.get("x-amz-sso_bearer_token") if behaviour.get("echo_secrets") else ""
            return self.reply(401, {"message": "Session token not found or invalid" + echo}, "UnauthorizedException")
        account = params.get("account_id")
        if account not in world or not params.get("role_name"):
            return self.reply(403, {"message": "No access"}, "ForbiddenException")
        key, secret, token, _ = self.issue(account)
        expiration = int((time.time() + 3600) * 1000)
        return self.reply(200, {"roleCredentials": {"accessKeyId": key, "secretAccessKey": secret, "sessionToken": token,
                                                    "expiration": expiration}})

    def operation_of(self, parts):
        return {"instance": "ListInstances", "security-profiles-summary": "ListSecurityProfiles",
                "security-profiles": "DescribeSecurityProfile",
                "security-profiles-permissions": "ListSecurityProfilePermissions",
                "security-profiles-applications": "ListSecurityProfileApplications"}.get(parts[0] if parts else "", "Unknown")

    def over_quota(self):
        """Takes a token from this account, region and API's bucket; True when there is none."""
        quota = behaviour.get("quota")
        if not quota:
            return False
        now = time.monotonic()
        with lock:
            name = (self.account, self.region, self.operation)
            tokens, updated = buckets.get(name, (float(quota["burst"]), now))
            tokens = min(float(quota["burst"]), tokens + (now - updated) * quota["rate"])
            if tokens < 1:
                buckets[name] = (tokens, now)
                return True
            buckets[name] = (tokens - 1, now)
            return False

    def do_GET(self):
        with lock:
            state["requests"] += 1
            number = state["requests"]
        if self.path.startswith("/federation/credentials"):
            return self.sso()
        prefix = behaviour.get("path_prefix", "")
        self.operation = self.operation_of(self.path.partition("?")[0][len(prefix):].strip("/").split("/"))
        signer, error = self.verify("connect")
        self.region, self.account = signer if signer else (None, None)
        if error:
            self.reply(error[0], error[1], error[2])
        elif behaviour.get("throttle_every") and number % behaviour["throttle_every"] == 0:
            self.reply(429, {"Message": "Rate exceeded"}, "ThrottlingException")
        elif self.over_quota():
            self.reply(429, {"Message": "Rate exceeded"}, "ThrottlingException")
        else:
            self.route(self.region)

    def page(self, items, key, extra=None):
        _, _, query = self.path.partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        offset = offset_of(params.get("nextToken"))
        if offset is None:
            return self.reply(400, {"Message": "Invalid NextToken"}, "InvalidParameterException")
        size = min(int(params.get("maxResults", "1000")), behaviour.get("page_cap", 1000))
        body = dict(extra or {})
        body[key] = items[offset:offset + size]
        if offset + size < len(items):
            body["NextToken"] = token_for(offset + size)
        return self.reply(200, body)

    def route(self, region):
        path, prefix = self.path.partition("?")[0], behaviour.get("path_prefix", "")
        if not path.startswith(prefix + "/"):
            return self.reply(404, {"Message": "not under " + prefix}, "ResourceNotFoundException")
        parts = path[len(prefix):].strip("/").split("/")
        instances = world.get(self.account, {}).get(region)
        if instances is None:
            return self.reply(400, {"Message": "no such region in this stand-in"}, "InvalidRequestException")
        if parts == ["instance"]:
            summaries = [{k: v for k, v in instance.items() if k not in ("profiles", "users")} for instance in instances]
            return self.page(summaries, "InstanceSummaryList")
        instance = next((i for i in instances if len(parts) > 1 and i["Id"] == parts[1]), None)
        if instance is None:
            return self.reply(404, {"Message": "Instance not found"}, "ResourceNotFoundException")
        if instance["profiles"] is None:
            return self.reply(400, {"Message": "Instance is not active"}, "InvalidRequestException")
        if parts[0] == "security-profiles-summary" and len(parts) == 2:
            summaries = [{"Id": p["body"]["Id"], "Arn": p["body"]["Arn"], "Name": p["body"]["SecurityProfileName"],
                          "LastModifiedTime": p["body"]["LastModifiedTime"], "LastModifiedRegion": region}
                         for p in instance["profiles"]]
            return self.page(summaries, "SecurityProfileSummaryList")
        profile = next((p for p in instance["profiles"] if len(parts) == 3 and p["body"]["Id"] == parts[2]), None)
        if profile is None:
            return self.reply(404, {"Message": "Security profile not found"}, "ResourceNotFoundException")
        modified = {"LastModifiedTime": profile["body"]["LastModifiedTime"], "LastModifiedRegion": region}
        if parts[0] == "security-profiles":
            described = dict(profile["body"])
            every = behaviour.get("no_arn_every")
            if every and instance["profiles"].index(profile) % every == 1:
                del described["Arn"]  # an answer ingest refuses: the profile has no identity
            return self.reply(200, {"SecurityProfile": described})
        if parts[0] == "security-profiles-permissions":
            return self.page(profile["permissions"], "Permissions", modified)
        if parts[0] == "security-profiles-applications":
            return self.page(profile["applications"], "Applications", modified)
        return self.reply(404, {"Message": "Unknown operation"}, "UnknownOperationException")

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
