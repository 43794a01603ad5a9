"""One Settings for every process: the face and observability sections still read the variable
names operators already set (compose, Dockerfile, docs), placeholders are refused in prod and
replaced by the var dir's own in dev."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.config import DEV_PLACEHOLDER, SIGNING_SECRETS, Settings


def test_sections_read_the_names_operators_already_set(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env file of the developer's
    monkeypatch.setenv("RUJI_FACE_MATCH_THRESHOLD", "0.07")
    monkeypatch.setenv("RUJI_FACE_ANTI_SPOOFING", "off")
    monkeypatch.setenv("RUJI_LOG_FORMAT", "json")
    monkeypatch.setenv("RUJI_TEMPORAL_METRICS_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("RUJI_METRICS_PORT", "9001")
    monkeypatch.setenv("RUJI_ENROLLMENT_TASK_QUEUE", "q-enrollment")

    settings = Settings()

    assert settings.face.match_threshold == 0.07
    assert settings.face.anti_spoofing == "off"
    assert settings.face.model == "Dlib"  # unset: the default
    assert settings.observability.json_logs
    assert settings.observability.temporal_metrics_bind == "0.0.0.0:9000"
    assert settings.observability.metrics_port == 9001
    assert settings.enrollment_task_queue == "q-enrollment"


def test_sections_read_a_dotenv_file_like_the_rest(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("RUJI_FACE_MODEL=Facenet512\nRUJI_LOG_FORMAT=json\n")

    settings = Settings()

    assert settings.face.model == "Facenet512"
    assert settings.observability.log_format == "json"


def test_placeholder_secrets_are_refused_outside_dev(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUJI_ENV", "prod")
    for name in ("RUJI_SECRET_KEY", "RUJI_IDENTITY_HMAC_KEY", "RUJI_CHSI_CALLBACK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="RUJI_SECRET_KEY must be set outside dev"):
        Settings()


def test_a_process_without_secrets_starts_in_prod_with_secrets_of_its_own(monkeypatch, tmp_path):
    """The vision-only worker (compose gives it no signing secret): it starts, and what would
    have been the placeholder is a random value of its own, believed nowhere."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUJI_ENV", "prod")
    for name in ("RUJI_SECRET_KEY", "RUJI_IDENTITY_HMAC_KEY", "RUJI_CHSI_CALLBACK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    one, two = Settings(holds_secrets=False), Settings(holds_secrets=False)
    for name in SIGNING_SECRETS:
        assert getattr(one, name) not in (DEV_PLACEHOLDER, getattr(two, name))
        assert len(getattr(one, name)) >= 32


def test_a_dev_install_signs_with_its_var_dirs_own_secrets(monkeypatch, tmp_path):
    """Not the public placeholder: a `ruji api` or `ruji demo` started by hand, every child of
    `ruji dev`, and an install that forgot RUJI_ENV=prod sign with the secrets of their var dir,
    the same for every process of it and kept across restarts; one set by hand wins."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUJI_ENV", "dev")
    monkeypatch.setenv("RUJI_VAR_DIR", str(tmp_path / "var"))
    for name in ("RUJI_SECRET_KEY", "RUJI_IDENTITY_HMAC_KEY", "RUJI_CHSI_CALLBACK_SECRET"):
        monkeypatch.delenv(name, raising=False)

    one, two = Settings(), Settings()
    for name in SIGNING_SECRETS:
        assert getattr(one, name) == getattr(two, name) != DEV_PLACEHOLDER
        assert len(getattr(one, name)) >= 32
    assert len({getattr(one, name) for name in SIGNING_SECRETS}) == 3
    stored = tmp_path / "var" / "secrets" / "signing-secrets.json"
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    assert list(stored.parent.iterdir()) == [stored]  # no draft left behind

    monkeypatch.setenv("RUJI_SECRET_KEY", "set-by-hand")
    assert Settings().secret_key == "set-by-hand"
    assert Settings().identity_hmac_key == one.identity_hmac_key
    monkeypatch.setenv("RUJI_VAR_DIR", str(tmp_path / "other"))
    assert Settings().identity_hmac_key != one.identity_hmac_key


def test_the_upgrade_grace_for_unsigned_activities_is_unset_when_empty(monkeypatch, tmp_path):
    """docker-compose.yml passes `${RUJI_UNSIGNED_ACTIVITIES_BEFORE:-}` (empty unless an
    operator sets it for an upgrade, docs/operations.md)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUJI_UNSIGNED_ACTIVITIES_BEFORE", "")
    assert Settings().unsigned_activities_before is None
    monkeypatch.setenv("RUJI_UNSIGNED_ACTIVITIES_BEFORE", "2026-12-02T14:00:00Z")
    assert Settings().unsigned_activities_before == datetime(2026, 12, 2, 14, tzinfo=UTC)
