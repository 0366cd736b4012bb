"""Each flow end to end: people talking to the real bot over HTTP through the Bot API test
server."""
