"""The Chalice app: registers blueprints and middleware, nothing else."""

from chalice import Chalice  # type: ignore[attr-defined]

from chalicelib.entrypoints.handlers import handlers
from chalicelib.entrypoints.http_events import events_api
from chalicelib.entrypoints.http_support import require_token

app = Chalice(app_name="quartermaster")
app.register_middleware(require_token, "http")
app.register_blueprint(events_api)
app.register_blueprint(handlers)
