"""The OpenAPI document is a checked artefact: every API change shows up as a diff of openapi.json."""
from __future__ import annotations

import difflib
import json
from pathlib import Path

COMMITTED = Path(__file__).resolve().parent.parent / "openapi.json"
REGENERATE = "make openapi   (= .venv/bin/flask --app wsgi openapi write --format=json openapi.json)"
ERROR_STATUSES = {"401", "403", "404", "409", "410", "412", "422", "428", "429", "503"}


def _lines(doc: dict) -> list[str]:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).splitlines()


def _operations(doc: dict):
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if method != "parameters":
                yield f"{method.upper()} {path}", operation


def test_generated_document_matches_the_committed_copy(client):
    generated = client.get("/api/openapi.json").json
    committed = json.loads(COMMITTED.read_text(encoding="utf-8")) if COMMITTED.exists() else {}
    if generated != committed:
        diff = "\n".join(difflib.unified_diff(_lines(committed), _lines(generated), "openapi.json (committed)",
                                              "openapi.json (generated)", n=2, lineterm=""))
        lines = diff.splitlines()
        shown = "\n".join(lines[:200]) + (f"\n… {len(lines) - 200} more lines" if len(lines) > 200 else "")
        raise AssertionError(f"The API changed. If that is intended, regenerate and commit the document:\n\n"
                             f"    {REGENERATE}\n\n{shown}")


def test_every_operation_documents_a_summary_and_its_errors(client):
    doc = client.get("/api/openapi.json").json
    for name, operation in _operations(doc):
        assert operation.get("summary"), f"{name} has no summary"
        responses = operation["responses"]
        assert "default" in responses, f"{name} documents no error body"
        if operation.get("security"):
            assert "401" in responses, f"{name} needs a token but does not document 401"
        if "{" in name:
            assert "404" in responses, f"{name} takes an id but does not document 404"
        documented_errors = ERROR_STATUSES & set(responses)
        assert documented_errors or not operation.get("security"), f"{name} documents no error response"


def test_error_body_is_documented_as_the_api_sends_it(client):
    schema = client.get("/api/openapi.json").json["components"]["schemas"]["Error"]
    assert {"code", "status", "error", "message", "request_id"} <= set(schema["properties"])
    body = client.get("/api/no-such-thing").json
    assert set(body) <= set(schema["properties"])


def test_every_request_body_field_has_an_example(client):
    doc = client.get("/api/openapi.json").json
    schemas = doc["components"]["schemas"]
    bodies = {
        content["schema"]["$ref"].rsplit("/", 1)[-1]
        for _, operation in _operations(doc)
        for content in operation.get("requestBody", {}).get("content", {}).values()
        if "$ref" in content["schema"]
    }
    missing = [
        f"{name}.{field}"
        for name in sorted(bodies)
        for field, spec in schemas[name].get("properties", {}).items()
        if "example" not in spec
        and spec.get("format") != "binary"
        and spec.get("type") in ("string", "integer", "number", "boolean")
        and not spec.get("readOnly")
    ]
    assert not missing, f"request fields without an example (add metadata={{'example': ...}}): {missing}"


def _request_fields(doc: dict):
    """(where, field spec) of every field a request may carry: parameters, and request bodies to any depth."""
    schemas, parameters = doc["components"]["schemas"], doc["components"]["parameters"]
    stack = []
    for name, operation in _operations(doc):
        for p in operation.get("parameters", []):
            p = parameters[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
            schema = p.get("schema", {})
            stack.append((f"{name} {p['in']} {p['name']}",
                          {**schema, "description": p.get("description") or schema.get("description", "")}))
        stack += [(f"{name} body", content["schema"])
                  for content in operation.get("requestBody", {}).get("content", {}).values()]
    seen = set()
    while stack:
        where, spec = stack.pop()
        if "$ref" in spec:
            ref = spec["$ref"].rsplit("/", 1)[-1]
            if ref not in seen:
                seen.add(ref)
                stack.append((ref, schemas[ref]))
            continue
        if spec.get("readOnly"):
            continue
        yield where, spec
        stack += [(f"{where}.{field}", child) for field, child in spec.get("properties", {}).items()]
        stack += [(f"{where}[]", spec["items"])] if "items" in spec else []
        stack += [(where, child) for key in ("allOf", "oneOf", "anyOf") for child in spec.get(key, [])]


def test_every_date_and_time_a_request_carries_states_its_range(client):
    doc = client.get("/api/openapi.json").json
    dates = [(where, spec) for where, spec in _request_fields(doc) if spec.get("format") in ("date", "date-time")]
    assert len(dates) > 40  # the walk reaches parameters and nested bodies
    unstated = [where for where, spec in dates if "取值范围" not in spec.get("description", "")]
    assert not unstated, f"dates or times without their range (use backend.api.fields Date, AwareDateTime): {unstated}"
