"""The Kubernetes manifests in deploy/kubernetes validate offline against the Kubernetes API schemas
(`kubernetes-validate` ships them; strict: unknown fields are errors), use only settings the app
knows, and keep the promises docs/DEPLOYMENT.md makes: probes, non-root, read-only root filesystem,
a termination grace longer than the app's own, the image pinned to the project version."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from icct26.config import ENV_NAMES

REPO = Path(__file__).resolve().parents[3]
MANIFESTS = REPO / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.30.0"  # the oldest release the manifests target; every field exists there


def manifest_files() -> list[Path]:
    return sorted(p for p in MANIFESTS.glob("*.yaml") if p.name != "kustomization.yaml")


def resources() -> dict[str, dict[str, Any]]:
    """kind/name -> the resource, over every manifest file."""
    found: dict[str, dict[str, Any]] = {}
    for path in manifest_files():
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                found[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return found


def pod_spec(resource: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = resource["spec"]["template"]["spec"]
    return spec


WORKLOADS = ("Deployment/icct26-app", "Deployment/icct26-worker", "Job/icct26-migrate")


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: p.name)
def test_manifest_validates_strictly_against_the_kubernetes_schemas(path: Path) -> None:
    for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if doc:
            # Raises ValidationError with the failing field; runs without a network or a cluster.
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_kubernetes_validate_rejects_a_broken_manifest() -> None:
    broken = resources()["Deployment/icct26-app"]
    broken = {**broken, "spec": {**broken["spec"], "replicas": "two"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_example() -> None:
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text(encoding="utf-8"))
    expected = {p.name for p in manifest_files()} - {"secret.example.yaml"}
    assert set(kustomization["resources"]) == expected


def test_every_resource_the_issue_names_is_there() -> None:
    assert set(resources()) >= {
        *WORKLOADS,
        "Service/icct26-app",
        "HorizontalPodAutoscaler/icct26-app",
        "PodDisruptionBudget/icct26-app",
        "ConfigMap/icct26-config",
        "Secret/icct26-secrets",
    }


def env_names(found: dict[str, dict[str, Any]]) -> set[str]:
    names = set(found["ConfigMap/icct26-config"]["data"]) | set(found["Secret/icct26-secrets"]["stringData"])
    for workload in WORKLOADS:
        for container in pod_spec(found[workload])["containers"]:
            names |= {e["name"] for e in container.get("env", [])}
    return names


def test_every_environment_variable_is_a_setting_listed_in_env_example() -> None:
    names = env_names(resources())
    settings = set(ENV_NAMES)
    assert names - settings == set(), "the manifests set variables the app does not read"
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), flags=re.M))
    assert names <= listed


def test_workloads_share_config_and_secret_and_pin_the_project_version() -> None:
    found = resources()
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    for workload in WORKLOADS:
        (container,) = pod_spec(found[workload])["containers"]
        assert container["image"] == f"icct26:{version}", workload
        sources = {next(iter(s.values()))["name"] for s in container["envFrom"]}
        assert sources == {"icct26-config", "icct26-secrets"}, workload
    commands = {w: pod_spec(found[w])["containers"][0]["args"] for w in WORKLOADS}
    assert commands == {
        "Deployment/icct26-app": ["serve"],
        "Deployment/icct26-worker": ["worker"],
        "Job/icct26-migrate": ["db", "upgrade"],
    }


def test_pods_run_non_root_on_a_read_only_root_filesystem_with_writable_data_and_tmp() -> None:
    found = resources()
    for workload in WORKLOADS:
        spec = pod_spec(found[workload])
        assert spec["securityContext"]["runAsNonRoot"] is True, workload
        assert spec["securityContext"]["runAsUser"] == 10001, workload  # the Dockerfile's user
        (container,) = spec["containers"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, workload
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, workload
        assert {"requests", "limits"} <= container["resources"].keys(), workload
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert "/tmp" in mounts and "emptyDir" in volumes[mounts["/tmp"]], workload
        data_dir = {e["name"]: e["value"] for e in container.get("env", [])}.get("DATA_DIR")
        if data_dir is not None:  # upload spools live under DATA_DIR/tmp
            assert data_dir in mounts and "emptyDir" in volumes[mounts[data_dir]], workload


def test_app_probes_the_health_routes_and_outlasts_its_own_shutdown_grace() -> None:
    found = resources()
    spec = pod_spec(found["Deployment/icct26-app"])
    (app,) = spec["containers"]
    assert app["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert app["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert {e["name"]: e["value"] for e in app["env"]}["OUTBOX_WORKER"] == "off"
    grace = int(found["ConfigMap/icct26-config"]["data"]["SHUTDOWN_GRACE_SECONDS"])
    pre_stop = app["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    # The kubelet's clock starts before preStop: the sleep plus the app's grace must fit, with margin.
    assert spec["terminationGracePeriodSeconds"] >= int(pre_stop[1]) + grace + 5


def test_several_instances_share_redis_and_s3_and_fit_the_database_connections() -> None:
    found = resources()
    config = found["ConfigMap/icct26-config"]["data"]
    assert config["RATE_LIMIT_STORE"] == "redis" and config["REDIS_URL"]
    assert config["STORAGE_BACKEND"] == "s3" and config["S3_BUCKET"]
    assert config["FORWARDED_ALLOW_IPS"]
    # One value for every pod: tokens and links signed by one pod are checked by another, and
    # documents encrypted by one are decrypted by another.
    assert {"SECRET_KEY", "DOCUMENT_ENCRYPTION_KEYS"} <= found["Secret/icct26-secrets"]["stringData"].keys()
    # The pool at its fullest plus the connection that listens for live schedule changes.
    per_pod = int(config["DB_POOL_SIZE"]) + int(config["DB_MAX_OVERFLOW"]) + 1
    pods = found["HorizontalPodAutoscaler/icct26-app"]["spec"]["maxReplicas"]
    pods += found["Deployment/icct26-worker"]["spec"]["replicas"]
    assert pods * per_pod < 100  # PostgreSQL's default max_connections
    hpa_target = found["HorizontalPodAutoscaler/icct26-app"]["spec"]["scaleTargetRef"]
    assert (hpa_target["kind"], hpa_target["name"]) == ("Deployment", "icct26-app")
    app_labels = found["Deployment/icct26-app"]["spec"]["template"]["metadata"]["labels"]
    assert found["Service/icct26-app"]["spec"]["selector"].items() <= app_labels.items()
    assert found["PodDisruptionBudget/icct26-app"]["spec"]["selector"]["matchLabels"] == app_labels
