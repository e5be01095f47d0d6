"""Customers service: one module per API Gateway route, business rules in `service`."""

from shop_shared import startup

# First thing Lambda runs when it imports a handler module of this package: see shop_shared.startup.
startup.begin()
