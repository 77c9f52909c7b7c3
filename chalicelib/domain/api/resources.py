"""Bodies of the configuration-resource routes (Keptn's resource-service shapes)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from chalicelib.domain.api.common import ApiModel

# base64 of a small slo.yaml, for the examples.
SLO_EXAMPLE = "LS0tCnNwZWNfdmVyc2lvbjogIjEuMCIKb2JqZWN0aXZlczoKICAtIHNsaTogcmVzcG9uc2VfdGltZV9wOTUK"


class ResourceVersion(ApiModel):
    version: str = Field(description="the commit that wrote this version")


class Resource(ApiModel):
    """One file; `resourceContent` (base64) only when one file is read."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "resourceURI": "slo.yaml",
                    "metadata": {"version": "000000000003"},
                    "resourceContent": SLO_EXAMPLE,
                }
            ]
        }
    )

    resource_uri: str = Field(alias="resourceURI")
    metadata: ResourceVersion
    resource_content: str | None = Field(default=None, alias="resourceContent")


class ResourceList(ApiModel):
    resources: list[Resource]
    page_size: int = Field(alias="pageSize")
    total_count: int = Field(alias="totalCount")


class ResourceFile(ApiModel):
    """One file to write."""

    model_config = ConfigDict(extra="allow")

    resource_uri: str = Field(
        alias="resourceURI", description="a relative path such as slo.yaml or helm/values.yaml"
    )
    resource_content: str = Field(alias="resourceContent", description="the content, base64")


class ResourcesWrite(ApiModel):
    """Write several files in one commit."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {"resources": [{"resourceURI": "slo.yaml", "resourceContent": SLO_EXAMPLE}]}
            ]
        },
    )

    resources: list[ResourceFile] = Field(min_length=1)


class ResourceWrite(ApiModel):
    """Write one file (its path is in the URL)."""

    model_config = ConfigDict(
        extra="allow", json_schema_extra={"examples": [{"resourceContent": SLO_EXAMPLE}]}
    )

    resource_content: str = Field(alias="resourceContent", description="the content, base64")


class CommitBody(ApiModel):
    """The commit a write made: runs started from now on read this version."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"commitID": "000000000007", "metadata": {"version": "000000000007"}}]
        }
    )

    commit_id: str = Field(alias="commitID")
    metadata: ResourceVersion
