"""Reviews service: one module per API Gateway route, business rules in `service`, the stream job in `moderation`."""
