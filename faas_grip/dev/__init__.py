"""The local loop (CLI, Pushpin runner, gateway, Runtime API). Never shipped in the layer.

`DevServer` runs a handler behind Pushpin and a local API Gateway, as `faas-grip dev` does;
`Gateway` runs it behind the gateway alone; `Pushpin` runs one Pushpin instance.
"""

from faas_grip.dev.pushpin import Pushpin, PushpinError
from faas_grip.dev.server import DevServer, Gateway, GatewayError, HandlerError

__all__ = ["DevServer", "Gateway", "GatewayError", "HandlerError", "Pushpin", "PushpinError"]
