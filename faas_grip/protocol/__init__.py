"""GRIP itself — the codec, WebSocket context, instructions, formats, URLs and Grip-Sig — with
no AWS in it."""
