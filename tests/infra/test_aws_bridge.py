"""`qm aws publish-bridge` uploads app/ with the content types browsers need for ES modules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from qm.commands.aws_bridge import publish
from qm.local.static import APP_DIR

BUCKET = "quartermaster-prod-bridge"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_every_file_is_uploaded_with_its_content_type_and_old_ones_go(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="bridge/js/removed.js", Body=b"old")
    s3.put_object(Bucket=BUCKET, Key="elsewhere/kept.txt", Body=b"not the Bridge's")
    uploaded, deleted = publish(s3, BUCKET, APP_DIR)
    assert deleted == 1
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert uploaded == len([key for key in keys if key.startswith("bridge/")])
    assert "elsewhere/kept.txt" in keys
    assert "bridge/js/removed.js" not in keys

    def kind(key: str) -> str:
        return str(s3.head_object(Bucket=BUCKET, Key=key)["ContentType"])

    assert kind("bridge/index.html") == "text/html; charset=utf-8"
    assert kind("bridge/js/main.js") == "text/javascript; charset=utf-8"
    assert kind("bridge/vendor/js-yaml/js-yaml.esm.min.mjs") == "text/javascript; charset=utf-8"
    assert kind("bridge/bridge.css") == "text/css; charset=utf-8"
    assert kind("bridge/icon.svg") == "image/svg+xml"
