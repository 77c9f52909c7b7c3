"""The local stand-in for API Gateway matches as the deployed REST API does: specific routes
first, then the greedy route with the rest of the path as its parameter."""

from __future__ import annotations

import pytest

from qm.local.gateway import GreedyRouteMatcher

ROUTES = ["/", "/{proxy+}", "/v1/project", "/v1/project/{project}", "/files/{path+}"]


@pytest.mark.parametrize(
    ("url", "route", "captured"),
    [
        ("/", "/", {}),
        ("/v1/project", "/v1/project", {}),
        ("/v1/project/", "/v1/project", {}),
        ("/v1/project/shop", "/v1/project/{project}", {"project": "shop"}),
        # One segment more than any specific route: the greedy route, not {project}.
        ("/v1/project/shop/extra", "/{proxy+}", {"proxy": "v1/project/shop/extra"}),
        ("/nope", "/{proxy+}", {"proxy": "nope"}),
        ("/v1", "/{proxy+}", {"proxy": "v1"}),
        # The longest greedy prefix wins.
        ("/files/a/b.txt", "/files/{path+}", {"path": "a/b.txt"}),
    ],
)
def test_specific_routes_first_then_the_longest_greedy_prefix(
    url: str, route: str, captured: dict[str, str]
) -> None:
    match = GreedyRouteMatcher(ROUTES).match_route(url)
    assert (match.route, match.captured) == (route, captured)


def test_the_query_string_is_kept_and_no_greedy_route_means_no_match() -> None:
    match = GreedyRouteMatcher(ROUTES).match_route("/a/b?root=true&x=")
    assert match.query_params == {"root": ["true"], "x": [""]}
    with pytest.raises(ValueError, match="No matching route"):
        GreedyRouteMatcher(["/v1/project"]).match_route("/v1/other")
