"""The local loop (CLI, Pushpin runner, gateway, Runtime API). Never shipped in the layer."""
