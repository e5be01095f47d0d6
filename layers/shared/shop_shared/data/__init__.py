"""DynamoDB access: one module per table, all going through the helpers in `shop_shared.data.dynamo`."""
