"""The HTTP API's request and response bodies as pydantic models: the OpenAPI description is
generated from them (chalicelib/entrypoints/openapi), one module per area."""
