"""HTTP routes, grouped by what they serve; each handler only reads the request and calls a service."""
