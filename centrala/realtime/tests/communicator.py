"""An in-process websocket client for the ASGI application, for tests.

It is channels.testing.WebsocketCommunicator's interface. That one cannot be imported here:
the channels.testing package also loads its live-server test case, which needs Daphne (Twisted
and fifteen more packages) although our live server is uvicorn. If Daphne ever joins the test
dependencies, `from channels.testing import WebsocketCommunicator` replaces this module as is.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote, urlparse

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers
from django.db import connections


def run_async(scenario):
    """Run the coroutine function `scenario` to its end in a thread of its own; return its result.

    Not in the test's thread: once a browser test has run, Playwright's event loop counts as
    running there, and async_to_sync refuses to start another loop beside it.
    """

    async def in_own_layer():
        # Each scenario gets its own event loop, so it also gets a channel layer of its own: the
        # Redis layer binds its locks and connections to the loop that first used it.
        channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
        try:
            return await scenario()
        finally:
            layer = channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
            if hasattr(layer, "close_pools"):
                await layer.close_pools()

    def run():
        try:
            return async_to_sync(in_own_layer)()
        finally:
            connections.close_all()  # this thread's connections would keep the test database open

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(run).result()


class WebsocketCommunicator(ApplicationCommunicator):
    def __init__(self, application, path, headers=None, subprotocols=None):
        parsed = urlparse(path)
        scope = {
            "type": "websocket",
            "path": unquote(parsed.path),
            "query_string": parsed.query.encode(),
            "headers": headers or [],
            "subprotocols": subprotocols or [],
        }
        super().__init__(application, scope)

    async def connect(self, timeout=1):
        """(True, subprotocol) when accepted, (False, close code) when refused."""
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept", response
        return True, response.get("subprotocol")

    async def send_to(self, text_data=None, bytes_data=None):
        # Unlike channels' version, an empty text frame may be sent: clients can send one.
        assert (text_data is None) != (bytes_data is None), "give exactly one of text_data, bytes_data"
        if text_data is not None:
            await self.send_input({"type": "websocket.receive", "text": text_data})
        else:
            await self.send_input({"type": "websocket.receive", "bytes": bytes_data})

    async def send_json_to(self, data):
        await self.send_to(text_data=json.dumps(data))

    async def receive_from(self, timeout=1):
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return response["text"] if response.get("text") is not None else response["bytes"]

    async def receive_json_from(self, timeout=1):
        payload = await self.receive_from(timeout)
        assert isinstance(payload, str), f"not a text frame: {payload!r}"
        return json.loads(payload)

    async def disconnect(self, code=1000, timeout=1):
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)
