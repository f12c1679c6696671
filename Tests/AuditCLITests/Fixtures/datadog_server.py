"""A stand-in for Datadog's event intake, on 127.0.0.1 only, run by the virtualenv that
holds datadog-api-client (scripts/test makes it).

Usage: datadog_server.py LOG_FILE BEHAVIOUR_JSON
Prints its port as its first line, then serves until killed. Each request is appended to
LOG_FILE as one JSON line: path, status answered, idempotency key, body, why it was refused.

POST /api/v2/events (datadog-api-client's EventsApi.create_event: keys in DD-API-KEY and
DD-APPLICATION-KEY) is checked with the client's own model classes: the body must
deserialize as EventCreateRequestPayload, each enum value (data.type, category, the alert
attributes' status and priority) must be one the client allows, and each string within the
model's length validations. An accepted event is answered 202 with an
EventCreateResponsePayload-shaped body; anything else 400 {"errors": [...]}, 403 for a key.

POST /api/v2/series (MetricsApi.submit_metrics: the key in DD-API-KEY alone) must deserialize
as MetricPayload, each series' type one of MetricIntakeType's values, each point's timestamp
whole seconds; accepted with 202 {"errors": []}.

BEHAVIOUR: {"api_key": K, "app_key": K, "fail_first": N (answer 503 first)}
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from datadog_api_client import Configuration
from datadog_api_client.model_utils import validate_and_convert_types
from datadog_api_client.v2.model.alert_event_custom_attributes_priority import AlertEventCustomAttributesPriority
from datadog_api_client.v2.model.alert_event_custom_attributes_status import AlertEventCustomAttributesStatus
from datadog_api_client.v2.model.event_category import EventCategory
from datadog_api_client.v2.model.event_create_request_payload import EventCreateRequestPayload
from datadog_api_client.v2.model.event_create_request_type import EventCreateRequestType
from datadog_api_client.v2.model.event_payload import EventPayload
from datadog_api_client.v2.model.metric_intake_type import MetricIntakeType
from datadog_api_client.v2.model.metric_payload import MetricPayload

log_path = sys.argv[1]
behaviour = json.loads(sys.argv[2])
lock = threading.Lock()
count = 0
configuration = Configuration()


def problem(body):
    """Why the body is not an event the client would send, or None."""
    try:
        document = json.loads(body)
        payload = validate_and_convert_types(document, (EventCreateRequestPayload,), ["body"], True, True, configuration)
    except Exception as error:
        return "not an EventCreateRequestPayload: %s" % error
    reason = shape_problem(EventCreateRequestPayload, document, "body")
    if reason:
        return reason
    data = document["data"]
    attributes = data["attributes"]
    if data.get("type") not in EventCreateRequestType.allowed_values:
        return "data.type must be one of %s" % sorted(EventCreateRequestType.allowed_values)
    if attributes.get("category") not in EventCategory.allowed_values:
        return "category must be one of %s" % sorted(EventCategory.allowed_values)
    for name, rule in EventPayload.validations.items():
        value = attributes.get(name)
        if isinstance(value, str) and len(value) > rule.get("max_length", len(value)):
            return "%s is longer than %d" % (name, rule["max_length"])
    if len(attributes.get("tags", [])) > 100:
        return "more than 100 tags"
    if attributes["category"] == "alert":
        extra = attributes.get("attributes", {})
        if extra.get("status") not in AlertEventCustomAttributesStatus.allowed_values:
            return "an alert's status must be one of %s" % sorted(AlertEventCustomAttributesStatus.allowed_values)
        if "priority" in extra and extra["priority"] not in AlertEventCustomAttributesPriority.allowed_values:
            return "an alert's priority must be one of %s" % sorted(AlertEventCustomAttributesPriority.allowed_values)
        if not isinstance(extra.get("custom", {}), dict) or len(extra.get("custom", {})) > 100:
            return "custom must be an object of at most 100 properties"
    return None


def shape_problem(model, value, path):
    """Why `value` does not have the shape `model`'s openapi_types give it (unknown members,
    wrong primitive types, recursively), or None: the client's converter leaves these to the
    server."""
    if isinstance(model, type) and hasattr(model, "openapi_types") and not getattr(model, "allowed_values", None):
        types = model.openapi_types
        if callable(types):
            types = types()
        if getattr(model, "_composed_schemas", None):
            return None  # oneOf: checked by the caller
        if not isinstance(value, dict):
            return "%s must be an object" % path
        for key, item in value.items():
            if key not in types:
                if getattr(model, "additional_properties_type", None) is None:
                    return "%s.%s is not a member of %s" % (path, key, model.__name__)
                continue
            reason = shape_problem(types[key][0], item, "%s.%s" % (path, key))
            if reason:
                return reason
        return None
    if isinstance(model, list):
        if not isinstance(value, list):
            return "%s must be an array" % path
        for index, item in enumerate(value):
            reason = shape_problem(model[0], item, "%s[%d]" % (path, index))
            if reason:
                return reason
        return None
    if model is float:
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else "%s must be a number" % path
    if model is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else "%s must be an integer" % path
    if model is str:
        return None if isinstance(value, str) else "%s must be a string" % path
    if model is bool:
        return None if isinstance(value, bool) else "%s must be true or false" % path
    return None


def series_problem(body):
    """Why the body is not a series submission the client would send, or None."""
    try:
        document = json.loads(body)
        validate_and_convert_types(document, (MetricPayload,), ["body"], True, True, configuration)
    except Exception as error:
        return "not a MetricPayload: %s" % error
    if not isinstance(document, dict) or not document.get("series"):
        return "series is required"
    reason = shape_problem(MetricPayload, document, "body")
    if reason:
        return reason
    for series in document["series"]:
        # The model's required members (MetricSeries: metric, points), which its converter leaves to the server.
        if not isinstance(series.get("metric"), str) or not series["metric"] or not series.get("points"):
            return "each series needs a metric name and points"
        if series.get("type", 0) not in MetricIntakeType.allowed_values:
            return "type must be one of %s" % sorted(MetricIntakeType.allowed_values)
        for point in series["points"]:
            if isinstance(point.get("timestamp"), bool) or not isinstance(point.get("timestamp"), int):
                return "a point's timestamp must be whole seconds"
    return None


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True

    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            count += 1
            number = count
        reason = None
        if self.path == "/api/v2/series":
            if self.headers.get("DD-API-KEY") != behaviour.get("api_key"):
                status, answer = 403, {"errors": ["Forbidden"]}
            else:
                reason = series_problem(body)
                status, answer = (400, {"errors": [reason]}) if reason else (202, {"errors": []})
        elif self.path != "/api/v2/events":
            status, answer = 404, {"errors": ["Not found"]}
        elif self.headers.get("DD-API-KEY") != behaviour.get("api_key") or self.headers.get("DD-APPLICATION-KEY") != behaviour.get("app_key"):
            status, answer = 403, {"errors": ["Forbidden"]}
        elif number <= behaviour.get("fail_first", 0):
            status, answer = 503, {"errors": ["Service Unavailable"]}
        else:
            reason = problem(body)
            if reason:
                status, answer = 400, {"errors": [reason]}
            else:
                status, answer = 202, {"data": {"id": "event-%d" % number, "type": "event", "attributes": {}}}
        entry = {"time": time.time(), "path": self.path, "status": status, "key": self.headers.get("Idempotency-Key"),
                 "body": body.decode("utf-8"), "reason": reason}
        with lock:
            with open(log_path, "a") as log:
                log.write(json.dumps(entry) + "\n")
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
