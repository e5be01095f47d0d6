"""Developer and operator tooling for the shop backend."""
