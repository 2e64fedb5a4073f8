"""The HTTP API over the answering engine: app, dependencies, middleware, routes, schemas."""
