"""`@grip_websocket`, `@grip_stream` and `@grip_longpoll` for Google Cloud Functions (and Cloud Run
functions): HTTP functions run by functions-framework, which calls `function(request)` with a
flask.Request inside a Flask app. The Flask decorators serve them as they are:

    import functions_framework
    from faas_grip.gcf import grip_websocket

    @functions_framework.http
    @grip_websocket
    def chat(ws, request): ...

The decorated function returns a flask.Response, which functions-framework sends as it is.
"""

from faas_grip.flask import grip_longpoll, grip_stream, grip_websocket

__all__ = ["grip_longpoll", "grip_stream", "grip_websocket"]
