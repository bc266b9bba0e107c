"""The Lambda edge: front doors, decorators, and configuration kept in AWS."""
