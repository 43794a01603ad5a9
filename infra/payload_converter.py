"""The pydantic payload converter, built once per process instead of once per use.

The SDK makes a new DataConverter, and with it a new payload converter, for every workflow
activation (twice: to decode it and to encode its completion) and every `with_context`. A
PydanticPayloadConverter is stateless but for its cache of type adapters, yet building one
(its converters, a schema serializer, an empty cache) was ~3 % of the enrollment worker's
Python CPU in `ruji bench orchestration` (py-spy), and each fresh cache rebuilt its adapters.
Every instance here shares the parts of the first: the same converters, so the same payloads.
"""

from __future__ import annotations

from typing import Any, ClassVar

from temporalio.contrib.pydantic import PydanticPayloadConverter


class SharedPydanticPayloadConverter(PydanticPayloadConverter):
    _first_parts: ClassVar[dict[str, Any] | None] = None

    def __init__(self) -> None:
        parts = SharedPydanticPayloadConverter._first_parts
        if parts is None:
            super().__init__()
            SharedPydanticPayloadConverter._first_parts = dict(self.__dict__)
        else:
            # a copy of the attributes, so `with_context` may set its own converters on one
            self.__dict__.update(parts)
