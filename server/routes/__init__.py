"""HTTP routes: thin layers over :class:`server.service.Sourcier`."""
