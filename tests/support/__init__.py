"""Local servers the tests start on free ports: each a context manager that stops what it started."""
