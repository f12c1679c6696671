"""Validates OCSF events (NDJSON, one event a line) against a compiled OCSF schema.

Usage: validate.py SCHEMA_JSON EVENTS_NDJSON
Prints one line per problem ("line N: path: why") and exits 1 if there is any, else
prints the number of events checked by class and exits 0.

The schema is ocsf-lib's compiled form (python -m ocsf.compile on the ocsf-schema
repository), reduced to the classes and objects in use (ocsf-1.8.0-iam.json). Checked as the
OCSF schema defines them: the class by class_uid, its category_uid, type_uid = class_uid *
100 + activity_id; every attribute known to its class or object (no others); every required
attribute present, a profile's only when metadata.profiles names the profile; each value of
its type (the base type of string_t, integer_t, long_t, float_t, boolean_t, json_t; objects
recursively; arrays where is_array), an enumerated attribute's value one of its enum; an
object's at_least_one and just_one constraints; metadata.version the schema's version.
"""
import json
import sys
from collections import Counter

schema = json.load(open(sys.argv[1]))
TYPES = schema["types"]


def base(type_name):
    while type_name in TYPES and TYPES[type_name].get("type"):
        type_name = TYPES[type_name]["type"]
    return type_name


def check_value(type_name, value, path, profiles, problems):
    if type_name == "object":
        # OCSF's generic object (as `unmapped` is): any members.
        if not isinstance(value, dict):
            problems.append("%s: expected an object" % path)
        return
    if type_name in schema["objects"]:
        definition = schema["objects"][type_name]
        check_object(definition["attributes"], definition.get("constraints") or {}, value, path, profiles, problems)
        return
    kind = base(type_name)
    ok = {
        "string_t": lambda v: isinstance(v, str),
        "integer_t": lambda v: isinstance(v, int) and not isinstance(v, bool) and -2**31 <= v < 2**31,
        "long_t": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float_t": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean_t": lambda v: isinstance(v, bool),
        "json_t": lambda v: True,
    }.get(kind)
    if ok is None:
        problems.append("%s: type %s (%s) is not known to this validator" % (path, type_name, kind))
    elif not ok(value):
        problems.append("%s: %r is not a %s" % (path, value, type_name))


def check_object(attributes, constraints, value, path, profiles, problems):
    if not isinstance(value, dict):
        problems.append("%s: expected an object" % path)
        return
    for name in value:
        if name not in attributes:
            problems.append("%s.%s: not an attribute here" % (path, name))
    for name, definition in attributes.items():
        applies = definition.get("profile") is None or definition["profile"] in profiles
        if name not in value:
            if definition.get("requirement") == "required" and applies:
                problems.append("%s.%s: required" % (path, name))
            continue
        item = value[name]
        if definition.get("is_array"):
            if not isinstance(item, list):
                problems.append("%s.%s: expected an array" % (path, name))
                continue
            items = [("%s.%s[%d]" % (path, name, i), v) for i, v in enumerate(item)]
        else:
            items = [("%s.%s" % (path, name), item)]
        for where, v in items:
            check_value(definition["type"], v, where, profiles, problems)
            if definition.get("enum") and str(v) not in definition["enum"]:
                problems.append("%s: %r is not one of %s" % (where, v, definition["enum"]))
    for name, members in constraints.items():
        present = [m for m in members if m in value]
        if name == "at_least_one" and not present:
            problems.append("%s: needs at least one of %s" % (path, members))
        if name == "just_one" and len(present) != 1:
            problems.append("%s: needs exactly one of %s" % (path, members))


def check_event(event, problems):
    if not isinstance(event, dict):
        problems.append("not an object")
        return None
    by_uid = {c["uid"]: (name, c) for name, c in schema["classes"].items()}
    if event.get("class_uid") not in by_uid:
        problems.append("class_uid %r is not one of %s" % (event.get("class_uid"), sorted(by_uid)))
        return None
    name, definition = by_uid[event["class_uid"]]
    category = schema["categories"].get(definition["category"], {}).get("uid")
    if event.get("category_uid") != category:
        problems.append("category_uid %r is not %s's %s" % (event.get("category_uid"), definition["category"], category))
    if isinstance(event.get("activity_id"), int) and event.get("type_uid") != event["class_uid"] * 100 + event["activity_id"]:
        problems.append("type_uid %r is not class_uid * 100 + activity_id" % event.get("type_uid"))
    metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
    if metadata.get("version") != schema["version"]:
        problems.append("metadata.version %r is not the schema's %s" % (metadata.get("version"), schema["version"]))
    profiles = set(metadata.get("profiles") or [])
    check_object(definition["attributes"], {}, event, name, profiles, problems)
    return name


problems = []
classes = Counter()
for number, line in enumerate(open(sys.argv[2]), 1):
    if not line.strip():
        continue
    found = []
    try:
        name = check_event(json.loads(line), found)
    except ValueError as error:
        found.append("not JSON: %s" % error)
        name = None
    problems += ["line %d: %s" % (number, p) for p in found]
    if name:
        classes[name] += 1
for problem in problems:
    print(problem)
if problems:
    sys.exit(1)
print(json.dumps(dict(classes)))
