"""The Bridge in AWS: its files in a private S3 bucket, served by the same REST API as the HTTP
API, under `/<api stage>/bridge/`. One origin for the page and the API: the token goes in
`x-token` without CORS, and no cookie is needed.

- `BridgeBucket`: private (every public access blocked, objects owned by the bucket owner),
  encrypted (SSE-S3), TLS only; not versioned (the files are republished from the repository,
  and an unversioned bucket is emptied with one `aws s3 rm` before the stack is deleted).
- `BridgeReadRole`: what API Gateway assumes to read `bridge/*` objects, and nothing else.
- In the REST API's definition body (merged like infra/api_gateway.py's overlay):
  `GET /bridge` (with or without the trailing slash) redirects to `bridge/index.html`, and
  `GET /bridge/{proxy+}` reads the object `bridge/{proxy}`, with its content type; a missing
  file is a 404 in the API's error shape; other methods reach the API function. The GETs need
  no token: the files are the same for everyone, and every call they make to the API carries
  the person's token.

`qm aws publish-bridge --stage S` uploads `app/` to the bucket (the stack output `BridgeBucket`)
with the content types the local runtime serves.
"""

from __future__ import annotations

import json
from typing import Any

BUCKET = "BridgeBucket"
READ_ROLE = "BridgeReadRole"
PREFIX = "bridge"

# Sent with every file, as the local runtime sends them (qm/local/static.py).
STATIC_HEADERS = {
    "X-Content-Type-Options": "'nosniff'",
    "X-Frame-Options": "'DENY'",
    "Referrer-Policy": "'no-referrer'",
    "Cache-Control": "'no-cache'",
}
NOT_FOUND = json.dumps({"code": 404, "message": "no Bridge file at this path"})
# The page must be at .../bridge/ for its relative links: `/bridge` redirects one level down,
# `/bridge/` (the same API resource) to the file beside it.
REDIRECT_TEMPLATE = (
    '#if($context.path.endsWith("/"))'
    '#set($context.responseOverride.header.Location = "index.html")'
    "#{else}"
    '#set($context.responseOverride.header.Location = "bridge/index.html")'
    "#end"
)

BUCKET_CHECKS = (
    (
        "CKV_AWS_18",
        "The bucket holds the Bridge's public static files, read only by API Gateway's role; "
        "access logging would need a second bucket and costs for no security benefit.",
    ),
    (
        "CKV_AWS_21",
        "The files are republished from the repository (qm aws publish-bridge), which is their "
        "history; without versions the bucket is emptied with one command before a teardown.",
    ),
    (
        "CKV_AWS_144",
        "The files are published from the repository (qm aws publish-bridge); cross-region "
        "replication adds nothing a republish does not.",
    ),
    (
        "CKV_AWS_145",
        "SSE-S3 encrypts the static files at rest; a KMS key would cost a monthly fee and "
        "API Gateway's role would need kms:Decrypt for files that are public anyway.",
    ),
)


def _skips(*checks: tuple[str, str]) -> dict[str, Any]:
    return {"checkov": {"skip": [{"id": check, "comment": reason} for check, reason in checks]}}


def bridge_resources() -> dict[str, Any]:
    bucket_arn = {"Fn::GetAtt": [BUCKET, "Arn"]}
    return {
        BUCKET: {
            "Type": "AWS::S3::Bucket",
            "Metadata": _skips(*BUCKET_CHECKS),
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "abort-incomplete-uploads",
                            "Status": "Enabled",
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        }
                    ]
                },
            },
        },
        "BridgeBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": BUCKET},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [bucket_arn, {"Fn::Sub": "${BridgeBucket.Arn}/*"}],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        },
        READ_ROLE: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "apigateway.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                            },
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "read-bridge-files",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "s3:GetObject",
                                    "Resource": {"Fn::Sub": f"${{BridgeBucket.Arn}}/{PREFIX}/*"},
                                }
                            ],
                        },
                    }
                ],
            },
        },
    }


def bridge_outputs() -> dict[str, Any]:
    return {
        BUCKET: {
            "Description": "The bucket the Bridge's files are published to (qm aws publish-bridge)",
            "Value": {"Ref": BUCKET},
        }
    }


def _header_responses() -> dict[str, Any]:
    return {name: {"type": "string"} for name in ("Content-Type", "ETag", *STATIC_HEADERS)}


def _file_method() -> dict[str, Any]:
    mapped = {f"method.response.header.{name}": value for name, value in STATIC_HEADERS.items()}
    return {
        "produces": ["text/html", "text/javascript", "text/css", "image/svg+xml"],
        "parameters": [{"name": "proxy", "in": "path", "required": True, "type": "string"}],
        "responses": {
            "200": {"description": "the file", "headers": _header_responses()},
            "404": {"description": "no such file"},
        },
        "x-amazon-apigateway-integration": {
            "type": "aws",
            "httpMethod": "GET",
            "uri": {
                "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:s3:path/"
                f"${{{BUCKET}}}/{PREFIX}/{{proxy}}"
            },
            "credentials": {"Fn::GetAtt": [READ_ROLE, "Arn"]},
            "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"},
            "passthroughBehavior": "when_no_match",
            "responses": {
                "default": {
                    "statusCode": "200",
                    "responseParameters": {
                        "method.response.header.Content-Type": (
                            "integration.response.header.Content-Type"
                        ),
                        "method.response.header.ETag": "integration.response.header.ETag",
                        **mapped,
                    },
                },
                # S3 answers 403 for a missing key the role may read but that does not exist.
                "4\\d{2}": {
                    "statusCode": "404",
                    "responseTemplates": {"application/json": NOT_FOUND},
                },
            },
        },
    }


def _redirect_method() -> dict[str, Any]:
    return {
        "responses": {
            "301": {"description": "to the page", "headers": {"Location": {"type": "string"}}}
        },
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 301}'},
            "responses": {
                "default": {
                    "statusCode": "301",
                    "responseTemplates": {"application/json": REDIRECT_TEMPLATE},
                }
            },
        },
    }


def bridge_paths() -> dict[str, Any]:
    """Merged into the REST API's `paths` (infra/api_gateway.py's definition overlay). Any other
    method than GET reaches the API function, which answers it as for any path it does not
    serve."""
    from infra.api_gateway import ANY_METHOD, proxy_method

    return {
        f"/{PREFIX}": {"get": _redirect_method(), ANY_METHOD: proxy_method(f"/{PREFIX}")},
        f"/{PREFIX}/{{proxy+}}": {
            "get": _file_method(),
            ANY_METHOD: proxy_method(f"/{PREFIX}/{{proxy+}}"),
        },
    }
