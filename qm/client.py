"""A thin HTTP client for the Quartermaster API that turns error answers into CliError."""

from __future__ import annotations

from typing import Any

import httpx

from qm import config


class CliError(Exception):
    """An error to print (without a traceback) before exiting with `exit_code`."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class ApiClient:
    def __init__(
        self,
        endpoint: str,
        token: str | None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        # `transport` lets tests answer in-process (the Chalice app) instead of over a socket.
        self._http = httpx.Client(
            base_url=endpoint.rstrip("/"),
            headers={"x-token": token} if token else {},
            timeout=timeout,
            transport=transport,
        )

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise CliError(f"cannot reach {self._http.base_url}: {error}") from error
        if response.status_code >= 400:
            try:
                message = response.json().get("message") or response.text
            except ValueError:
                message = response.text
            raise CliError(f"{response.status_code}: {message}")
        return response.json() if response.content else {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        clean = {key: value for key, value in (params or {}).items() if value is not None}
        return self.request("GET", path, params=clean)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, json=body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)


def connect() -> ApiClient:
    """A client for the configured endpoint; a clear error when there is none."""
    settings = config.load()
    if not settings.endpoint:
        raise CliError(
            "no endpoint configured: run `qm auth --endpoint URL --api-token TOKEN`, "
            "set QM_ENDPOINT and QM_TOKEN, or start one with `qm local up`",
            exit_code=2,
        )
    return ApiClient(settings.endpoint, settings.token)
