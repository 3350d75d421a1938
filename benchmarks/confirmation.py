"""Benchmark of the confirmation gate (issue: Art. 15).

(a) Evaluating every check for a project covering 10 systems, 300 resources and 6,000
    data items (apply_for_confirmation: coverage, catalog-state digest, checks).
(b) Signing and verifying 1,000 confirmations (SM2 over SM3, canonical JSON).
Baseline in the same run: computing the same SM3 digests alone.

    python benchmarks/confirmation.py [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import catalog_entry  # noqa: E402
from catalog_schemas import ResourceSchema, credit_code_check_char  # noqa: E402
from registry import create_app  # noqa: E402
from registry import crypto as signing  # noqa: E402
from registry.audit import canonical_json, sm3_hex  # noqa: E402
from registry.authz import Actor  # noqa: E402
from registry.db import Database, db, write_intent  # noqa: E402
from registry.migrate import upgrade  # noqa: E402
from registry.models import Project  # noqa: E402
from registry.services import departments, interfaces, projects, resources, systems  # noqa: E402
from registry.services.confirmation_checks import load_coverage  # noqa: E402
from registry.services.confirmations import (  # noqa: E402
    ConfirmationSettings,
    apply_for_confirmation,
    issue_confirmation,
)  # noqa: E402

ACTOR = Actor.system("benchmark")


def build_project(session) -> int:
    body = "113300990000000" + "01"
    dept = departments.create_department(
        session,
        ACTOR,
        data={"code": body + credit_code_check_char(body), "name": "基准县民政局", "kind": "政府"},
    )
    project = projects.create_project(
        session,
        ACTOR,
        data={
            "code": "XM-BENCH",
            "name": "基准项目",
            "lead_department_id": dept.id,
            "investment": 800,
        },
    )
    schema = ResourceSchema()
    for s in range(10):
        system = systems.create_system(
            session,
            ACTOR,
            data={
                "code": f"BENCH-{s}",
                "name": f"基准系统{s}",
                "department_id": dept.id,
                "deployment": "政务云",
                "in_system_catalog": True,
                "project_ids": [project.id],
            },
        )
        for r in range(30):
            res = resources.create_resource(
                session,
                ACTOR,
                data=schema.load(
                    catalog_entry(
                        f"基准资源{s}-{r}",
                        provider_code=dept.code,
                        update_cycle="每日",
                        system_ids=[system.id],
                    )
                ),
            )
            res.status = "published"
            interfaces.create_interface(
                session,
                ACTOR,
                data={
                    "name": f"接口{s}-{r}",
                    "kind": "api",
                    "department_id": dept.id,
                    "platform_connected": True,
                    "resource_ids": [res.id],
                },
            )
    project.stage = "construction"
    session.flush()
    return project.id


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url")
    parser.add_argument("--documents", type=int, default=1000)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    url = args.database_url or f"sqlite:///{instance / 'registry.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    report: dict = {"database": url.split(":")[0]}
    with app.app_context(), write_intent():
        s = db.session
        pid = build_project(s)
        s.commit()
        runs = []
        for _ in range(5):
            s.expire_all()
            t = time.perf_counter()
            conf = apply_for_confirmation(s, ACTOR, pid)
            runs.append(time.perf_counter() - t)
        s.commit()
        cov = load_coverage(s, s.get(Project, pid))
        report["evaluation_s"] = {
            "median": round(statistics.median(runs), 3),
            "max": round(max(runs), 3),
        }
        report["covered"] = {
            "systems": len(cov.systems),
            "resources": len(cov.resources),
            "items": sum(len(r.items) for r in cov.resources),
            "interfaces": len(cov.interfaces),
        }
        # baseline for (a): the SM3 digests of the same snapshots alone, snapshots prebuilt
        from registry.services.resources import resource_snapshot

        snaps = [canonical_json(resource_snapshot(r)) for r in cov.resources]
        t = time.perf_counter()
        for blob in snaps:
            sm3_hex(blob)
        report["baseline_sm3_of_catalog_s"] = round(time.perf_counter() - t, 4)
        issued = issue_confirmation(
            s,
            ACTOR,
            conf.id,
            opinion="同意",
            override_reason=None,
            expected_version=conf.version,
            settings=ConfirmationSettings.from_config(app.config),
        )
        s.commit()
        document = issued.document

    signer = signing.SoftwareSM2Signer(signing.generate_private_key())
    docs = [
        canonical_json({**document, "number": f"新数确〔2026〕{n}号"})
        for n in range(args.documents)
    ]
    t = time.perf_counter()
    for d in docs:
        sm3_hex(d)
    digest_s = time.perf_counter() - t
    t = time.perf_counter()
    signatures = [signer.sign(d) for d in docs]
    sign_s = time.perf_counter() - t
    t = time.perf_counter()
    ok = all(
        signing.verify(signer.public_key, d, sig) for d, sig in zip(docs, signatures, strict=True)
    )
    verify_s = time.perf_counter() - t
    n = len(docs)
    report["documents"] = n
    report["document_bytes"] = len(docs[0])
    report["sign_ms_each"] = round(1000 * sign_s / n, 2)
    report["verify_ms_each"] = round(1000 * verify_s / n, 2)
    report["baseline_sm3_ms_each"] = round(1000 * digest_s / n, 3)
    report["all_verified"] = ok
    print(json.dumps(report, ensure_ascii=False, indent=1))
    with app.app_context():
        Database.state(app).engine.dispose()
    shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
