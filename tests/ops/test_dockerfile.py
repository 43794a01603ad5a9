"""Static checks of the Dockerfile: multi-stage with uv, face weights placed at build time, a
non-root runtime that needs no network, and health checked (here or per compose service)."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, args = line.partition(" ")
            result.append((op.upper(), args.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for op, args in instructions():
        if op == "FROM":
            found.append([])
        if found:
            found[-1].append((op, args))
    return found


def resolve(image: str) -> str:
    args = dict(
        re.match(r"(\w+)=(\S+)", a).groups() for op, a in instructions() if op == "ARG" and "=" in a
    )
    return re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)


def test_multi_stage_with_pinned_bases():
    froms = [args for op, args in instructions() if op == "FROM"]
    assert len(froms) >= 2
    for args in froms:
        image = resolve(args.split()[0])
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest", image


def test_dependencies_from_the_lock_with_uv_and_weights_provisioned_at_build():
    build = "\n".join(args for op, args in stages()[-2] if op == "RUN")
    assert "uv sync --frozen --no-dev" in build
    assert "ruji provision" in build


def test_runtime_stage_is_non_root_and_installs_nothing_from_the_network():
    runtime = stages()[-1]
    users = [args for op, args in runtime if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    runs = " ".join(args for op, args in runtime if op == "RUN")
    assert "pip install" not in runs and "uv " not in runs and "ruji provision" not in runs
    copies = [args for op, args in runtime if op == "COPY"]
    assert any("--from=build" in c and "/opt/ruji/models" in c for c in copies)
    env = " ".join(args for op, args in runtime if op == "ENV")
    assert "DEEPFACE_HOME=/opt/ruji/models" in env and "RUJI_ENV=prod" in env


def test_health_is_checked_for_every_service_of_the_image():
    if any(op == "HEALTHCHECK" for op, _ in instructions()):
        return
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    built = {n: s for n, s in services.items() if s.get("build")}
    assert built
    for name, svc in built.items():
        assert svc.get("healthcheck") or svc.get("restart") == "no", name


def test_dockerignore_keeps_local_state_and_secrets_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", "var", ".git"):
        assert entry in ignored, entry
