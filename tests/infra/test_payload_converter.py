"""The shared pydantic payload converter writes and reads what the SDK's own one does."""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import WorkflowSerializationContext

from domain.enrollment import RequestCodeInput
from domain.read_model import AuditEntry
from infra.codec import EncryptionCodec, build_data_converter
from infra.keyring import new_key_entry, parse_key_ring
from infra.payload_converter import SharedPydanticPayloadConverter

VALUES = [
    RequestCodeInput(client_ip="10.0.0.1"),
    AuditEntry(seq=3, at=datetime(2026, 3, 1, tzinfo=UTC), actor="candidate", action="submit"),
    None,
    b"raw",
    {"a": [1, 2]},
]


def test_payloads_are_those_of_the_sdk_converter():
    ours = SharedPydanticPayloadConverter()
    theirs = pydantic_data_converter.payload_converter
    assert ours.to_payloads(VALUES) == theirs.to_payloads(VALUES)
    payloads = theirs.to_payloads(VALUES)
    hints = [RequestCodeInput, AuditEntry, type(None), bytes, dict]
    assert ours.from_payloads(payloads, hints) == VALUES


def test_every_converter_the_sdk_builds_shares_the_first_ones_parts():
    converter = build_data_converter(EncryptionCodec(parse_key_ring(new_key_entry("k"))))
    again = converter.with_context(WorkflowSerializationContext(namespace="n", workflow_id="w"))
    first, second = SharedPydanticPayloadConverter(), SharedPydanticPayloadConverter()
    assert first is not second
    assert first.converters == second.converters
    assert again.payload_converter.to_payloads(VALUES) == converter.payload_converter.to_payloads(
        VALUES
    )
