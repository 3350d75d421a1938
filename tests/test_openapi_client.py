"""A client generated from our OpenAPI document (openapi-python-client) works against a
real server: search, list, get, a PATCH with If-Match, an upload and file downloads.

The generator runs here, from the document the app serves; the server is waitress on a
loopback port over a committed SQLite database."""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from importers.writers import write_json

from .helpers import resource_payload
from .test_confirmations import _apply_issue, _project

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
# The generator reads binary bodies as application/octet-stream; ours name their type.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONFIG = {
    "content_type_overrides": {
        "application/pdf": "application/octet-stream",
        XLSX: "application/octet-stream",
    }
}


class _Api:
    """The Flask test client with a token, for setting the stage (tests.helpers shape)."""

    def __init__(self, client, world, who=None):
        self.client, self.world, self.who = client, world, who

    def as_(self, who):
        return _Api(self.client, self.world, who)

    def _h(self, etag=None):
        h = {"Authorization": f"Bearer {self.world.tokens[self.who]}"} if self.who else {}
        return {**h, **({"If-Match": etag} if etag else {})}

    def get(self, url, **kw):
        return self.client.get(url, headers=self._h())

    def post(self, url, json=None, etag=None):
        return self.client.post(url, json=json, headers=self._h(etag))

    def patch(self, url, json=None, etag=None):
        return self.client.patch(url, json=json, headers=self._h(etag))

    def create_resource(self, who="editor_a", **overrides):
        r = self.as_(who).post("/api/v1/resources", json=resource_payload(**overrides))
        assert r.status_code == 201, r.get_json()
        return r.get_json(), r.headers["ETag"]


@pytest.fixture
def generated(live_server, tmp_path):
    app, _, _ = live_server
    spec = tmp_path / "openapi.json"
    spec.write_text(
        json.dumps(app.test_client().get("/api/v1/openapi.json").get_json(), ensure_ascii=False)
    )
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    out = tmp_path / "registry_client"
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(out),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
    )
    assert out.exists(), done.stdout + done.stderr
    assert "WARNING" not in done.stdout, done.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("registry_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [
            m for m in sys.modules if m == "registry_client" or m.startswith("registry_client.")
        ]:
            del sys.modules[name]


def _call(operation: str, client_pkg):
    """The generated module of an operation (by its operationId), whatever tag it is under."""
    import pkgutil

    api = importlib.import_module("registry_client.api")
    for info in pkgutil.iter_modules(api.__path__):
        try:
            return importlib.import_module(
                f"registry_client.api.{info.name}.{operation.split('.')[-1]}"
            )
        except ModuleNotFoundError:
            continue
    raise AssertionError(f"no generated module for {operation}")


def test_a_generated_client_speaks_our_api(live_server, generated):
    app, world, base = live_server
    setup = _Api(app.test_client(), world)
    pid, rid = _project(setup, app=app)
    conf, r = _apply_issue(setup, pid)
    assert r.status_code == 200, r.get_json()
    from registry import unit_of_work

    with app.app_context():
        unit_of_work.commit(app)

    # One connection per call (Connection: close): nothing is left open when the server stops.
    with generated.AuthenticatedClient(
        base_url=base, token=world.tokens["editor_a"], headers={"Connection": "close"}
    ) as client:
        _speak(generated, client, rid, conf)


def _speak(generated, client, rid, conf) -> None:
    types = importlib.import_module("registry_client.types")

    found = _call("search.get_search", generated).sync_detailed(client=client, q="社会救助")
    assert found.status_code == 200 and found.parsed.total >= 1

    listed = _call("resources.get_resources", generated).sync_detailed(client=client)
    assert listed.status_code == 200 and any(x.id == rid for x in listed.parsed)

    got = _call("resources.get_resources_by_resource_id", generated).sync_detailed(
        resource_id=rid, client=client
    )
    assert got.status_code == 200 and got.parsed.id == rid
    etag = got.headers["ETag"]

    patch_body = importlib.import_module("registry_client.models.resource_patch").ResourcePatch(
        summary="经生成的客户端修改"
    )
    patched = _call("resources.patch_resources_by_resource_id", generated).sync_detailed(
        resource_id=rid, client=client, body=patch_body, if_match=etag
    )
    assert patched.status_code == 200, patched.content
    assert patched.parsed.summary == "经生成的客户端修改"
    stale = _call("resources.patch_resources_by_resource_id", generated).sync_detailed(
        resource_id=rid, client=client, body=patch_body, if_match=etag
    )
    assert stale.status_code == 412 and stale.parsed.code == "precondition_failed"

    text = io.StringIO()
    write_json([resource_payload(name="客户端上传资源")], text)
    upload_body = importlib.import_module(
        "registry_client.models.post_imports_body"
    ).PostImportsBody(
        file=types.File(
            payload=io.BytesIO(text.getvalue().encode()),
            file_name="目录.json",
            mime_type="application/json",
        )
    )
    uploaded = _call("imports.post_imports", generated).sync_detailed(
        client=client, body=upload_body, dry_run=True
    )
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.parsed.counts["resources"]["create"] == 1

    pdf = _call("confirmations.get_confirmations_by_confirmation_id_pdf", generated).sync_detailed(
        confirmation_id=conf["id"], client=client
    )
    assert pdf.status_code == 200 and pdf.parsed.payload.read().startswith(b"%PDF")
    template = _call("imports.get_imports_template", generated).sync_detailed(client=client)
    assert template.status_code == 200 and template.parsed.payload.read()[:2] == b"PK"
