"""The Chalice app: registers blueprints and middleware, nothing else."""

from chalice import Chalice  # type: ignore[attr-defined]

from chalicelib.entrypoints.approvals import approvals
from chalicelib.entrypoints.deploy import deploy
from chalicelib.entrypoints.handlers import handlers
from chalicelib.entrypoints.http_errors import documented_errors
from chalicelib.entrypoints.http_events import events_api
from chalicelib.entrypoints.http_openapi import openapi_api
from chalicelib.entrypoints.http_projects import projects_api
from chalicelib.entrypoints.http_resources import resources_api
from chalicelib.entrypoints.http_routing import (
    answer_unrouted,
    fallback_api,
    refuse_oversized_parameters,
)
from chalicelib.entrypoints.http_secrets import secrets_api
from chalicelib.entrypoints.http_sequences import sequences_api
from chalicelib.entrypoints.http_support import require_token
from chalicelib.entrypoints.http_system import system_api
from chalicelib.entrypoints.http_tokens import tokens_api
from chalicelib.entrypoints.lighthouse import lighthouse_api
from chalicelib.entrypoints.sequencing import sequencing
from chalicelib.entrypoints.webhooks import webhooks_api

BLUEPRINTS = (
    system_api,
    openapi_api,
    events_api,
    projects_api,
    resources_api,
    secrets_api,
    sequences_api,
    tokens_api,
    handlers,
    sequencing,
    approvals,
    lighthouse_api,
    webhooks_api,
    fallback_api,
    deploy,
)

app = Chalice(app_name="quartermaster")
# Outermost first: the error shape for every answer, then a 404 for paths no route serves (to
# everyone), then a 400 for parameters too long to be keys, then the token check.
app.register_middleware(documented_errors, "http")
app.register_middleware(answer_unrouted(app.routes), "http")
app.register_middleware(refuse_oversized_parameters, "http")
app.register_middleware(require_token, "http")
for blueprint in BLUEPRINTS:
    app.register_blueprint(blueprint)
