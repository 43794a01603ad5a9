"""Static checks of the production stack (there is no Docker engine in CI): docker-compose.yml
against the compose-spec JSON schema (tests/ops/compose-spec.json, Apache-2.0, from
github.com/compose-spec/compose-spec) and the project's own rules; the Dockerfile's shape;
the Prometheus and Grafana files compose mounts."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT

HERE = Path(__file__).parent
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY|KEYS|PWD|TOKEN", re.IGNORECASE)
REFERENCE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[?-][^}]*)?\}")
ONLY_A_REFERENCE = re.compile(r"^\$\{[A-Z0-9_]+(:\?[^}]*)?\}$")
ONE_SHOT_CONDITION = "service_completed_successfully"


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def raw_compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def interpolated_compose() -> dict:
    """What `docker compose config` would see with .env.example filled in."""
    values = {k: v or f"filled-{k.lower()}" for k, v in env_example().items()}
    text = REFERENCE.sub(lambda m: values[m.group(1)], (ROOT / "docker-compose.yml").read_text())
    return yaml.safe_load(text)


@pytest.fixture(scope="module")
def compose() -> dict:
    return raw_compose()


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


def test_compose_file_matches_the_compose_spec_schema():
    schema = json.loads((HERE / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(interpolated_compose()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_every_variable_is_in_env_example_and_no_secret_is_committed():
    documented = env_example()
    used = set(REFERENCE.findall((ROOT / "docker-compose.yml").read_text()))
    assert used - documented.keys() == set(), "document these in .env.example"
    filled_secrets = [k for k, v in documented.items() if SECRET_NAME.search(k) and v]
    assert filled_secrets == [], ".env.example must leave secrets empty"


def test_no_secret_literal(services):
    text = (ROOT / "docker-compose.yml").read_text()
    defaults = re.findall(r"\$\{([A-Z0-9_]+):?-", text)
    assert [d for d in defaults if SECRET_NAME.search(d)] == [], "no default for a secret"
    for name, svc in services.items():
        for key, value in (svc.get("environment") or {}).items():
            value = str(value)
            if SECRET_NAME.search(key):
                assert ONLY_A_REFERENCE.match(value), f"{name}.{key} must be only ${{VAR}}"
            for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", value):
                assert ONLY_A_REFERENCE.match(password), f"{name}.{key}: password in a URL"


def _one_shot_targets(services) -> set[str]:
    return {
        target
        for svc in services.values()
        for target, dep in (svc.get("depends_on") or {}).items()
        if isinstance(dep, dict) and dep.get("condition") == ONE_SHOT_CONDITION
    }


def test_every_service_has_a_healthcheck_or_is_a_one_shot_job_others_wait_for(services):
    awaited = _one_shot_targets(services)
    for name, svc in services.items():
        check = svc.get("healthcheck")
        if check:
            assert check.get("test") and not check.get("disable"), name
            continue
        assert svc.get("restart") == "no", f"{name}: no healthcheck and not a one-shot job"
        assert name in awaited, f"{name}: one-shot job nobody waits for"


def test_depends_on_targets_exist_and_wait_for_the_right_condition(services):
    for name, svc in services.items():
        deps = svc.get("depends_on") or {}
        assert isinstance(deps, dict), f"{name}: use the long depends_on form with a condition"
        for target, dep in deps.items():
            assert target in services, f"{name} depends on unknown {target}"
            assert "profiles" not in services[target], f"{name} depends on profiled {target}"
            condition = dep.get("condition")
            if condition == "service_healthy":
                assert services[target].get("healthcheck"), f"{target} has no healthcheck"
            else:
                assert condition == ONE_SHOT_CONDITION, f"{name} -> {target}: {condition}"
                assert services[target].get("restart") == "no", f"{target} is not one-shot"


def test_every_image_is_pinned():
    """A tag (never `latest`), digest optional; the built image's tag comes from RUJI_VERSION."""
    for name, svc in interpolated_compose()["services"].items():
        image = svc.get("image")
        assert image, f"{name}: name the image (built ones too, with a version tag)"
        name_part, _, digest = image.partition("@")
        repo, colon, tag = name_part.rpartition(":")
        assert colon and repo and tag and "/" not in tag, f"{name}: {image} has no tag"
        assert tag != "latest" and not tag.startswith("filled-"), f"{name}: {image}"
        if digest:
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), image


def test_named_volumes_and_mounted_files_exist(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, svc in services.items():
        for volume in svc.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name}: {source} missing"
            else:
                assert source in declared, f"{name}: volume {source} not declared"
    for data in ("postgres", "minio", "prometheus", "grafana"):
        assert any(v.startswith(f"{data}-data:") for v in services[data]["volumes"])


def test_vision_worker_scales_with_docker_compose_scale(services):
    vision = services["vision-worker"]
    assert "container_name" not in vision
    assert not vision.get("ports"), "a fixed host port cannot be bound by two replicas"
    assert vision["command"] == ["ruji", "worker", "--queues", "vision"]
    assert services["enrollment-worker"]["command"] == ["ruji", "worker", "--queues", "enrollment"]


def test_migrations_run_before_the_api_and_workers(services):
    assert "ruji db upgrade" in " ".join(services["migrate"]["command"])
    for name in ("api", "enrollment-worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == ONE_SHOT_CONDITION


def test_temporal_on_postgres_with_schema_namespace_and_ui_codec(services):
    temporal = services["temporal"]
    assert temporal["environment"]["DB"] == "postgres12"
    assert temporal["depends_on"]["temporal-schema"]["condition"] == ONE_SHOT_CONDITION
    setup = (ROOT / "deploy/temporal/setup-namespace.sh").read_text()
    from domain.search import ALL

    assert all(f"{key.name}=" in setup for key in ALL), "register every search attribute"
    ui = services["temporal-ui"]["environment"]
    assert ui["TEMPORAL_CODEC_ENDPOINT"].endswith("/codec")
    assert ui["TEMPORAL_ADDRESS"] == "temporal:7233"


def _host_port_mappings(svc: dict) -> list[str]:
    return [
        str(p)
        if not isinstance(p, dict)
        else f"{p.get('host_ip', '')}:{p['published']}:{p['target']}"
        for p in svc.get("ports") or []
    ]


def test_temporal_ui_is_read_only_and_temporal_itself_is_not_published(services):
    """Issue #14 H1: the UI's HTTP API needs no login. It may only read, only from the host (the
    operators' ingress in front), and the frontend (gRPC 7233, HTTP 7243) stays internal."""
    ui = services["temporal-ui"]
    assert ui["environment"]["TEMPORAL_DISABLE_WRITE_ACTIONS"] == "true"
    for mapping in _host_port_mappings(ui):
        assert mapping.startswith("127.0.0.1:"), f"temporal-ui published beyond the host: {mapping}"
    assert not services["temporal"].get("ports"), "the Temporal frontend must not be published"
    for name, svc in services.items():
        for mapping in _host_port_mappings(svc):
            target = mapping.rsplit(":", 1)[-1].split("/")[0]
            assert target not in ("7233", "7243"), f"{name} publishes the frontend: {mapping}"


def test_only_the_api_and_the_enrollment_worker_hold_the_caller_proof_key(services):
    holders = {
        name
        for name, svc in services.items()
        if "RUJI_CALLER_PROOF_KEYS" in (svc.get("environment") or {})
    }
    assert holders == {"api", "enrollment-worker"}


def test_minio_bucket_job_and_chsi_simulator_only_in_dev(services):
    assert services["minio-setup"]["restart"] == "no"
    assert "mc mb" in (ROOT / "deploy/minio/setup-bucket.sh").read_text()
    assert services["chsi-sim"]["profiles"] == ["dev"]
    assert [n for n, s in services.items() if "profiles" in s] == ["chsi-sim"]


def test_prometheus_scrapes_services_that_exist_and_grafana_shows_our_metrics(services):
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    names = {
        host
        for job in config["scrape_configs"]
        for sd in job.get("dns_sd_configs", [])
        for host in sd["names"]
    } | {
        target.split(":")[0]
        for job in config["scrape_configs"]
        for sc in job.get("static_configs", [])
        for target in sc["targets"]
    }
    assert names <= set(services), names - set(services)
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/ruji-enrollment.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p.get("targets", []))
    for metric in (
        "ruji_applications",
        "ruji_step_refusals_total",
        "ruji_tickets_issued",
        "ruji_http_request_duration_seconds_bucket",
        "approximate_backlog_count",
        "temporal_worker_task_slots_available",
    ):
        assert metric in exprs, metric


def test_every_published_port_is_bound_to_the_host_loopback(services):
    """Security probe 2026-12-01: the API (plain HTTP, /readyz) and Grafana were published on
    every interface; the ingress on the host (TLS, login) is the only way in from outside."""
    published = {name: _host_port_mappings(svc) for name, svc in services.items()}
    assert published["api"] and published["grafana"]
    for name, mappings in published.items():
        for mapping in mappings:
            assert mapping.startswith("127.0.0.1:"), f"{name} published beyond the host: {mapping}"


def test_the_api_believes_forwarded_addresses_from_the_host_ingress_only():
    """Behind the ingress every request reaches the API from the compose network's gateway: with
    no trusted proxy named, every per-address limit (staff logins, registrations, SMS per
    address) was one budget for everyone, spent by one attacker."""
    api = interpolated_compose()["services"]["api"]["environment"]
    subnet = interpolated_compose()["networks"]["default"]["ipam"]["config"][0]["subnet"]
    gateway = str(next(ipaddress.ip_network(subnet).hosts()))
    assert api["RUJI_FORWARDED_ALLOW_IPS"] == gateway == env_example()["RUJI_FORWARDED_ALLOW_IPS"]


#: what a vision worker must not hold: it parses every upload
NOT_FOR_VISION = (
    "RUJI_SECRET_KEY",
    "RUJI_IDENTITY_HMAC_KEY",
    "RUJI_CHSI_CALLBACK_SECRET",
    "RUJI_PII_KEYS",
    "RUJI_CALLER_PROOF_KEYS",
    "RUJI_DATABASE_URL",
    "RUJI_SMS_HTTP_SECRET",
)


def test_the_vision_worker_holds_no_signing_secret_and_no_database_password(services):
    """Security probe 2026-12-01: with RUJI_SECRET_KEY a decoder exploit in one uploaded image
    would mint admin tokens; with the database URL read and change the read model."""
    env = services["vision-worker"]["environment"]
    assert sorted(k for k in NOT_FOR_VISION if k in env) == []
    assert env["RUJI_CODEC_KEYS"] and env["AWS_SECRET_ACCESS_KEY"]  # what it does need
    assert services["api"]["environment"]["RUJI_SECRET_KEY"]
