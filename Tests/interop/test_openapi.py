"""docs/openapi.yaml against a running edge.

Every documented route is called, with and without the master key, with good and
bad bodies; each answer must have a status the document lists for that operation
(the one the probe expects), and its body must validate against the documented
schema, with no property the document does not name. Each documented operation
must be probed, so a route added to the document without a probe fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from rt import (DEFAULT_SETTINGS, MASTER_KEY, REPO_ROOT, make_jwt, open_packet, raw_connect, short, unique,
                wait_until)

DOC_PATH = REPO_ROOT / "docs" / "openapi.yaml"
DOC_URI = "urn:realtime:openapi"
METHODS = ("get", "put", "post", "delete", "patch")


# --------------------------------------------------------------------------- the document


class Doc:
    """The OpenAPI document, its operations, and JSON Schema validation of answers."""

    def __init__(self, path: Path):
        self.raw = yaml.safe_load(path.read_text())
        self.registry = Registry().with_resource(DOC_URI, Resource(contents=self.raw, specification=DRAFT202012))

    def at(self, pointer: str):
        node = self.raw
        for part in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def deref(self, node, pointer: str = ""):
        """Follow $ref chains; return (node, its JSON pointer)."""
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), f"only local $refs are used, got {ref}"
            pointer = ref[1:]
            node = self.at(pointer)
        return node, pointer

    def operations(self):
        for path, item in self.raw["paths"].items():
            for method in METHODS:
                if method in item:
                    yield path, method, item[method]

    def operation(self, method: str, template: str) -> dict:
        item = self.raw["paths"].get(template)
        assert item is not None and method.lower() in item, f"{method} {template} is not documented"
        return item[method.lower()]

    def response(self, method: str, template: str, status: int):
        """The documented response object and its pointer, or None."""
        op = self.operation(method, template)
        pointer = "/paths/" + esc(template) + "/" + method.lower() + "/responses/" + str(status)
        resp = op["responses"].get(str(status))
        if resp is None:
            return None, None
        return self.deref(resp, pointer)

    def validator(self, pointer: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": DOC_URI + "#" + pointer}, registry=self.registry,
                                    format_checker=FormatChecker())

    def undocumented(self, instance, schema, where: str = "$") -> list[str]:
        """Object keys in `instance` that the schema (with its $refs and allOf) does not name."""
        schema, _ = self.deref(schema)
        if not isinstance(schema, dict):
            return []
        props: dict = {}
        for part in [schema] + [self.deref(s)[0] for s in schema.get("allOf", [])]:
            props.update(part.get("properties", {}))
        out = []
        if isinstance(instance, dict) and props:
            for key, value in instance.items():
                if key not in props:
                    out.append(f"{where}.{key}")
                else:
                    out += self.undocumented(value, props[key], f"{where}.{key}")
        elif isinstance(instance, list) and "items" in schema:
            for i, value in enumerate(instance):
                out += self.undocumented(value, schema["items"], f"{where}[{i}]")
        return out


def esc(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


@pytest.fixture(scope="module")
def doc() -> Doc:
    return Doc(DOC_PATH)


def check(doc: Doc, r, method: str, template: str, status: int, what: str = ""):
    """The answer has the expected status, the document lists it, and the body validates."""
    label = f"{method} {template}{' ' + what if what else ''}"
    assert r.status_code == status, f"{label}: HTTP {r.status_code} {r.text[:300]!r}, expected {status}"
    resp, pointer = doc.response(method, template, status)
    documented = sorted(doc.operation(method, template)["responses"])
    assert resp is not None, f"{label}: answered {status}, which the document does not list ({documented})"
    content = resp.get("content")
    if not content:
        return None
    ctype = r.headers.get("Content-Type", "").split(";")[0].strip()
    assert ctype in content, f"{label}: Content-Type {ctype!r} is not documented ({list(content)})"
    if ctype != "application/json":
        return r.text
    body = r.json()
    schema_pointer = f"{pointer}/content/{esc(ctype)}/schema"
    errors = sorted(doc.validator(schema_pointer).iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, (f"{label}: body does not match the documented schema: "
                        + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
                        + f"\nbody: {short(body, 600)}")
    extra = doc.undocumented(body, doc.at(schema_pointer))
    assert not extra, f"{label}: body has undocumented properties {extra}: {short(body, 600)}"
    return body


# --------------------------------------------------------------------------- the document alone


def test_document_is_openapi_31_with_the_required_pieces(doc):
    d = doc.raw
    assert d["openapi"].startswith("3.1"), d["openapi"]
    scheme = d["components"]["securitySchemes"]["masterKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer"), scheme
    error = d["components"]["schemas"]["Error"]
    assert error["required"] == ["errors"] and error["properties"]["errors"]["items"]["required"] == ["code", "message"]
    for schema in d["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for path, method, op in doc.operations():
        where = f"{method.upper()} {path}"
        assert op.get("operationId") and op.get("responses"), f"{where}: needs an operationId and responses"
        for status, resp in op["responses"].items():
            resp, _ = doc.deref(resp)
            assert "description" in resp, f"{where} {status}: no description"
            for ctype, media in (resp.get("content") or {}).items():
                doc.deref(media.get("schema", {}))  # every $ref resolves
        codes = set(op["responses"])
        if path.startswith("/api/v1/"):
            assert op.get("security", d["security"]) == [{"masterKey": []}], f"{where}: not behind the master key"
            assert {"401", "503"} <= codes, f"{where}: 401 and 503 must be documented ({sorted(codes)})"
            for code in codes - {"200", "202"}:
                ref = op["responses"][code].get("$ref", "")
                assert ref.startswith("#/components/responses/"), f"{where} {code}: use the shared error responses"
        if "requestBody" in op:
            assert {"400", "413"} <= codes, f"{where}: a body can be refused (400, 413): {sorted(codes)}"
    try:  # a full structural check when the validator happens to be installed (not a pinned dependency)
        from openapi_spec_validator import validate
    except ImportError:
        return
    validate(d)


def test_document_names_every_route_of_spec_section_3(doc):
    want = {("post", "/api/v1/channels/{channel}/messages"), ("post", "/api/v1/broadcast"), ("post", "/api/v1/publish"),
            ("get", "/api/v1/channels/{channel}/members"), ("get", "/api/v1/channels"),
            ("get", "/api/v1/channels/{channel}/history"),
            ("post", "/api/v1/users/{userId}/events"), ("get", "/api/v1/config"), ("put", "/api/v1/config"),
            ("get", "/health"), ("get", "/health/live"), ("get", "/health/ready"), ("get", "/stats"), ("get", "/metrics")}
    have = {(m, p) for p, m, _ in doc.operations()}
    assert want <= have, f"undocumented: {sorted(want - have)}"


# --------------------------------------------------------------------------- against the edge


def _success_probes(ch: str, user: str) -> list[tuple[str, str, str, object, int]]:
    """(method, template, concrete path, json body, expected status) for every operation's success."""
    p = quote(ch, safe="")
    return [
        ("POST", "/api/v1/channels/{channel}/messages", f"/api/v1/channels/{p}/messages",
         {"eventName": "doc", "message": {"n": 1}}, 202),
        ("POST", "/api/v1/broadcast", "/api/v1/broadcast", {"eventName": "doc-all", "message": [1, "two", None]}, 202),
        ("POST", "/api/v1/publish", "/api/v1/publish",
         {"messages": [{"channel": ch, "eventName": "doc-batch", "message": 1}, {"eventName": "doc-batch-all"}]}, 202),
        ("GET", "/api/v1/channels/{channel}/members", f"/api/v1/channels/{p}/members", None, 200),
        ("GET", "/api/v1/channels", "/api/v1/channels", None, 200),
        # The default deployment has no channel rules, hence no history (test_history.py reads one).
        ("GET", "/api/v1/channels/{channel}/history", f"/api/v1/channels/{p}/history", None, 403),
        ("POST", "/api/v1/users/{userId}/events", f"/api/v1/users/{quote(user, safe='')}/events",
         {"eventName": "user:update", "session": {"id": "s1", "token": "T"}, "user": {"id": user}}, 202),
        ("GET", "/api/v1/config", "/api/v1/config", None, 200),
        ("PUT", "/api/v1/config", "/api/v1/config", DEFAULT_SETTINGS, 200),
        ("GET", "/health", "/health", None, 200),
        ("GET", "/health/live", "/health/live", None, 200),
        ("GET", "/health/ready", "/health/ready", None, 200),
        ("GET", "/stats", "/stats", None, 200),
        ("GET", "/metrics", "/metrics", None, 200),
        ("GET", "/socket.io/", "/socket.io/?EIO=4&transport=polling", None, 400),
        ("GET", "/realtime/", "/realtime/?EIO=4&transport=polling", None, 400),
    ]


def test_every_documented_route_answers_as_documented(cluster, doc):
    ch, user = unique("doc room/1"), unique("doc-user")
    member = cluster.client(auth={"session": make_jwt(user)})
    member.join(ch)
    member.ok("update", {"data": {"name": "Ada", "tags": ["x"]}})
    probes = _success_probes(ch, user)
    probed = {(m.lower(), t) for m, t, *_ in probes}
    documented = {(m, p) for p, m, _ in doc.operations()}
    assert documented <= probed, f"documented but not probed here: {sorted(documented - probed)}"
    assert probed <= documented, f"probed but not documented: {sorted(probed - documented)}"

    for method, template, path, body, status in probes:
        key = "master" if template.startswith("/api/v1/") else None
        r = cluster.api(method, path, key=key, json=body)
        got = check(doc, r, method, template, status)
        if template == "/api/v1/channels/{channel}/members":
            assert got == [{"id": member.sid, "data": {"name": "Ada", "tags": ["x"]}}], short(got)
        if template == "/api/v1/channels":
            assert {"channel": ch, "members": 1} in got, short(got)
        if template == "/metrics":
            assert "# TYPE" in got
    member.wait_for("doc", lambda p: p == {"channel": ch, "message": {"n": 1}})
    member.wait_for("doc-all", lambda p: p == {"channel": None, "message": [1, "two", None]})
    member.wait_for("doc-batch", lambda p: p == {"channel": ch, "message": 1})
    member.wait_for("doc-batch-all", lambda p: p == {"channel": None, "message": None})
    assert member.wait_for("user:update") == ("user:update", {"id": "s1"}, {"id": user})


def test_the_socket_endpoints_upgrade_to_websocket(cluster, doc):
    for path in ("/socket.io/", "/realtime/"):
        assert "101" in doc.operation("GET", path)["responses"]
        ws = raw_connect(cluster, path=path)  # raises unless the server answered 101
        try:
            assert {"sid", "pingInterval", "pingTimeout", "maxPayload"} <= set(open_packet(ws))
        finally:
            ws.close()


def test_every_api_route_answers_401_as_documented(cluster, doc):
    ch = quote(unique(), safe="")
    for method, template, path, body, _ in _success_probes(ch, "u1"):
        # The history probe's channel has no history rule: refused before Redis is asked.
        if not template.startswith("/api/v1/") or template.endswith("/history"):
            continue
        for key, why in ((None, "without a key"), ("not-" + MASTER_KEY, "with a wrong key")):
            r = cluster.api(method, path, key=key, json=body)
            got = check(doc, r, method, template, 401, why)
            assert got["errors"][0]["code"] == "unauthorized", short(got)


BAD_BODIES = [
    ("POST", "/api/v1/channels/{channel}/messages", "/api/v1/channels/c/messages", {"message": 1}, "eventName"),
    ("POST", "/api/v1/channels/{channel}/messages", "/api/v1/channels/c/messages", "{not json", "JSON"),
    ("POST", "/api/v1/channels/{channel}/messages", "/api/v1/channels/c/messages",
     {"eventName": "channel:join", "message": 1}, "reserved"),
    ("POST", "/api/v1/broadcast", "/api/v1/broadcast", ["eventName", "x"], "object"),
    ("POST", "/api/v1/publish", "/api/v1/publish", {"messages": [{"eventName": "ok"}, {"message": 1}]},
     "messages[1]: eventName"),
    ("POST", "/api/v1/publish", "/api/v1/publish", {"messages": [{"eventName": "e"}] * 1001}, "1000"),
    ("POST", "/api/v1/users/{userId}/events", "/api/v1/users/u1/events", {"eventName": "user:nope"}, "eventName"),
    ("PUT", "/api/v1/config", "/api/v1/config",
     dict(DEFAULT_SETTINGS, rateLimits=[{"name": "r", "rate": 0, "duration": 10, "errorMessage": "m"}]),
     "rateLimits[0].rate"),
    ("PUT", "/api/v1/config", "/api/v1/config", dict(DEFAULT_SETTINGS, enabled="yes"), "enabled"),
    ("GET", "/api/v1/channels/{channel}/members", "/api/v1/channels/" + "x" * 257 + "/members", None, "channel"),
]


@pytest.mark.parametrize("method,template,path,body,field", BAD_BODIES,
                         ids=[f"{m} {p[:40]} {f}" for m, _, p, _, f in BAD_BODIES])
def test_bad_requests_answer_400_naming_the_problem(cluster, doc, method, template, path, body, field):
    kw = {"data": body, "headers": {"Content-Type": "application/json"}} if isinstance(body, str) else {"json": body}
    r = cluster.api(method, path, **kw)
    got = check(doc, r, method, template, 400)
    assert field.lower() in got["errors"][0]["message"].lower(), \
        f"{method} {path}: the message should name {field!r}: {short(got)}"
    r = cluster.api("GET", "/api/v1/config")
    assert {k: r.json().get(k) for k in DEFAULT_SETTINGS} == DEFAULT_SETTINGS, "a refused PUT changed the settings"


def test_oversized_bodies_answer_413(cluster, doc):
    huge = "x" * (300 * 1024)  # past the 256 KiB body limit
    big_message = "y" * (70 * 1024)  # under the body limit, past the 64 KiB message limit
    cases = [
        ("POST", "/api/v1/channels/{channel}/messages", "/api/v1/channels/c/messages", {"eventName": "e", "message": huge}),
        ("POST", "/api/v1/channels/{channel}/messages", "/api/v1/channels/c/messages",
         {"eventName": "e", "message": big_message}),
        ("POST", "/api/v1/broadcast", "/api/v1/broadcast", {"eventName": "e", "message": big_message}),
        ("POST", "/api/v1/users/{userId}/events", "/api/v1/users/u1/events",
         {"eventName": "user:update", "user": {"bio": huge}}),
    ]
    for method, template, path, body in cases:
        r = cluster.api(method, path, json=body, timeout=15)
        got = check(doc, r, method, template, 413, f"with a {len(json.dumps(body)) // 1024} KiB body")
        assert got["errors"][0]["code"] == "payload_too_large", short(got)


def test_oversized_settings_answer_413(cluster, doc):
    body = dict(DEFAULT_SETTINGS, apiKeys=[{"key": "x" * (300 * 1024)}])
    r = cluster.api("PUT", "/api/v1/config", json=body, timeout=15)
    got = check(doc, r, "PUT", "/api/v1/config", 413, "with a 300 KiB body")
    assert got["errors"][0]["code"] == "payload_too_large", short(got)


def test_settings_round_trip_validates_with_every_field(make_cluster, doc):
    c = make_cluster(reuse=False)
    full = {
        "enabled": True, "apiKeyRequired": False, "sessionRequired": False,
        "apiKeys": [{"key": "k1", "name": "web", "expiresAt": "2030-01-01T00:00:00Z"}, {"key": "k2"}],
        "rateLimits": [{"name": "burst", "rate": 50, "duration": 1, "errorMessage": "slow down"}],
        "signoutEndsSessions": True,
    }
    put = check(doc, c.api("PUT", "/api/v1/config", json=full), "PUT", "/api/v1/config", 200)
    # Another edge applies the change when Redis announces it: poll until it has.
    last = len(c.edges) - 1
    assert wait_until(lambda: len(c.api("GET", "/api/v1/config", edge=last).json().get("apiKeys", [])) == 2, timeout=5), \
        "the settings did not reach the last edge"
    got = check(doc, c.api("GET", "/api/v1/config", edge=last), "GET", "/api/v1/config", 200)
    for answer in (put, got):
        assert answer["apiKeys"][0] == full["apiKeys"][0] and answer["apiKeys"][1]["key"] == "k2", short(answer)
        assert answer["rateLimits"] == full["rateLimits"] and answer["signoutEndsSessions"] is True, short(answer)


def test_backend_outage_answers_503_as_documented(make_cluster, doc, backend):
    if backend != "redis":
        pytest.skip("the memory backend cannot become unreachable")
    c = make_cluster(reuse=False, edges=1)
    c.redis.stop()
    assert wait_until(lambda: c.api("GET", "/health", key=None).status_code == 503, timeout=10), \
        "/health still 200 with Redis down"
    check(doc, c.api("GET", "/health", key=None), "GET", "/health", 503)
    check(doc, c.api("GET", "/health/ready", key=None), "GET", "/health/ready", 503)
    check(doc, c.api("GET", "/health/live", key=None), "GET", "/health/live", 200)
    ch = quote(unique(), safe="")
    for method, template, path, body, _ in _success_probes(ch, "u1"):
        # The history probe's channel has no history rule: refused before Redis is asked.
        if not template.startswith("/api/v1/") or template.endswith("/history"):
            continue
        r = c.api(method, path, json=body, timeout=15)
        got = check(doc, r, method, template, 503, "with Redis down")
        assert got["errors"][0]["code"] == "service_unavailable", short(got)
