"""Sales service: one module per API Gateway route, business rules in `service`."""
