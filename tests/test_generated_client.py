"""The OpenAPI document as the light-app teams use it: checked by a validator, and turned into a client by a
standard generator (openapi-python-client) that then drives the running service over HTTP.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from backend.db import session
from tests.evidence.helpers import SHANGHAI_WGS84, unique_jpeg

COMMITTED = Path(__file__).resolve().parent.parent / "openapi.json"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


def _document() -> dict:
    return json.loads(COMMITTED.read_text(encoding="utf-8"))


def test_the_document_is_valid_openapi_3():
    validate(_document())  # raises on e.g. `in: formData` parameters, which OpenAPI 3 does not have


def test_every_property_has_a_type():
    def untyped(schema: dict, where: str):
        for name, spec in schema.get("properties", {}).items():
            if not {"type", "$ref", "allOf", "oneOf", "anyOf"} & set(spec):
                yield f"{where}.{name}"
            if spec.get("type") == "array" and not spec.get("items"):
                yield f"{where}.{name}[]"

    schemas = _document()["components"]["schemas"]
    missing = [field for name, schema in schemas.items() for field in untyped(schema, name)]
    assert not missing, f"fields without a type in the OpenAPI document: {missing}"


def test_multipart_operations_take_their_fields_and_files_in_one_request_body():
    uploads = {
        f"{method.upper()} {path}": operation["requestBody"]["content"]["multipart/form-data"]["schema"]
        for path, operations in _document()["paths"].items()
        for method, operation in operations.items()
        if method != "parameters" and "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    }
    schemas = _document()["components"]["schemas"]
    fields = {name: schemas[schema["$ref"].rsplit("/", 1)[-1]]["properties"] for name, schema in uploads.items()}
    assert {"client_id", "captured_at", "lat", "lng", "file"} <= set(fields["POST /api/evidence"])
    assert {"office_code", "category", "description", "photos"} <= set(fields["POST /api/community/public/complaints"])
    for name, properties in fields.items():
        files = [field for field, spec in properties.items()
                 if spec.get("format") == "binary" or spec.get("items", {}).get("format") == "binary"]
        assert files, f"{name} is multipart but documents no file part"


@pytest.fixture(scope="session")
def generated_client(tmp_path_factory):
    """The package openapi-python-client generates from the committed document, run as its CLI is run."""
    root = tmp_path_factory.mktemp("generated")
    config = root / "config.yaml"
    config.write_text("package_name_override: chengguan_client\npost_hooks: []\n", encoding="utf-8")
    result = subprocess.run([str(GENERATOR), "generate", "--path", str(COMMITTED), "--config", str(config),
                             "--meta", "none", "--output-path", str(root / "chengguan_client")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("chengguan_client")
    finally:
        sys.path.remove(str(root))


def test_a_generated_client_signs_in_and_uploads_evidence(generated_client, live_server_url, make):
    make.officer(badge_no="GC0001", password="generated-client-pw")
    session.commit()
    client = generated_client
    login = importlib.import_module("chengguan_client.api.auth.post_api_auth_login")
    me = importlib.import_module("chengguan_client.api.auth.get_api_auth_me")
    upload = importlib.import_module("chengguan_client.api.evidence.post_api_evidence")
    read = importlib.import_module("chengguan_client.api.evidence.get_api_evidence_evidence_id")
    models = importlib.import_module("chengguan_client.models")
    types = importlib.import_module("chengguan_client.types")

    anonymous = client.Client(base_url=live_server_url)
    token = login.sync(client=anonymous, body=models.Login(badge_no="GC0001", password="generated-client-pw"))
    assert isinstance(token, models.Token), token
    officer = client.AuthenticatedClient(base_url=live_server_url, token=token.token)
    assert me.sync(client=officer).badge_no == "GC0001"

    photo = unique_jpeg()
    body = models.EvidenceUpload(
        client_id=str(uuid.uuid4()),
        captured_at=datetime.now(UTC) - timedelta(minutes=3),
        lat=SHANGHAI_WGS84[0],
        lng=SHANGHAI_WGS84[1],
        coord_system=models.EvidenceUploadCoordSystem.WGS84,
        place="黄浦区人民大道 200 号",
        file=types.File(payload=BytesIO(photo), file_name="photo.jpg", mime_type="image/jpeg"),
    )
    response = upload.sync_detailed(client=officer, body=body)
    assert response.status_code == 201, response.content.decode()
    record = response.parsed
    assert record.sha256 == hashlib.sha256(photo).hexdigest()
    assert record.place == "黄浦区人民大道 200 号"
    assert read.sync(client=officer, evidence_id=record.id).sha256 == record.sha256
