"""The request contract, as the Lambda handler uses it: it lives in
:mod:`companion.serving.contract` (the serving path owns it; serverless depends on serving, never
the reverse) and is re-exported here for code written against this module."""

from ..serving.contract import (
    MAX_JSON_DEPTH,
    MAX_NUMBER_CHARS,
    Limits,
    RequestError,
    check_body_size,
    json_depth,
    parse_predict_request,
)

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_NUMBER_CHARS",
    "Limits",
    "RequestError",
    "check_body_size",
    "json_depth",
    "parse_predict_request",
]
