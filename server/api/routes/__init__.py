"""HTTP routes: thin layers over :class:`server.engine.service.Sourcier`."""
