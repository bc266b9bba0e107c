"""Developer tools that are not part of the faas_grip package (see each module)."""
