"""The performance benchmark: `python3 -m benchmarks` (see the README's "Performance" section).

Each measurement runs in a process of its own so that memory and CPU figures do not mix: the
driver (the Bot API test server and the simulated people) in one process, the bot under test in
another (`benchmarks.botproc`), as it would run on the server.
"""
