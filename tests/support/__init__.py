"""What the tests stand on: the Bot API test server, the adversarial world, fault injection,
helpers."""
