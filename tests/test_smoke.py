def test_resource_lifecycle_smoke(api):
    body, etag = api.create_resource()
    assert body["code"].startswith("101001/")
    assert body["status"] == "draft"
    r = api.as_("editor_a").post(f"/api/v1/resources/{body['id']}/submit", json={}, etag=etag)
    assert r.status_code == 200, r.get_json()
    r = api.as_("reviewer").post(
        f"/api/v1/resources/{body['id']}/publish", json={}, etag=r.headers["ETag"]
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "published"
