"""Sample Lambda events of every shape the handler accepts, for tests, lessons and the harness.

Shapes follow AWS's documented payloads: API Gateway REST (payload format 1.0), HTTP API
(payload format 2.0) and Lambda Function URLs (the 2.0 format), plus direct invocation.
"""

from __future__ import annotations

import base64
import json
from typing import Any

__all__ = ["direct_event", "function_url_event", "http_api_event", "rest_api_event"]


def _body(payload: Any) -> str:
    return payload if isinstance(payload, str) else json.dumps(payload)


def rest_api_event(payload: Any, method: str = "POST", base64_body: bool = False) -> dict[str, Any]:
    body = _body(payload)
    return {
        "resource": "/predict",
        "path": "/predict",
        "httpMethod": method,
        "headers": {"content-type": "application/json"},
        "queryStringParameters": None,
        "requestContext": {"requestId": "rest-req-1", "stage": "prod", "httpMethod": method},
        "body": base64.b64encode(body.encode()).decode() if base64_body else body,
        "isBase64Encoded": base64_body,
    }


def http_api_event(payload: Any, method: str = "POST", base64_body: bool = False) -> dict[str, Any]:
    body = _body(payload)
    return {
        "version": "2.0",
        "routeKey": "POST /predict",
        "rawPath": "/predict",
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "apiId": "api123",
            "domainName": "api123.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": method,
                "path": "/predict",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
            },
            "requestId": "http-req-1",
            "routeKey": "POST /predict",
            "stage": "$default",
        },
        "body": base64.b64encode(body.encode()).decode() if base64_body else body,
        "isBase64Encoded": base64_body,
    }


def function_url_event(
    payload: Any, method: str = "POST", base64_body: bool = False
) -> dict[str, Any]:
    event = http_api_event(payload, method, base64_body)
    event["routeKey"] = "$default"
    event["rawPath"] = "/"
    event["requestContext"].update(
        {
            "domainName": "abc123.lambda-url.us-east-1.on.aws",
            "requestId": "url-req-1",
            "routeKey": "$default",
        }
    )
    return event


def direct_event(payload: dict[str, Any]) -> dict[str, Any]:
    return dict(payload)
