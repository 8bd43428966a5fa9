"""The file packaged as ``handler.py`` at the root of the Lambda artifact (handler ``handler.handler``)."""

from companion.serverless.handler import handler

__all__ = ["handler"]
