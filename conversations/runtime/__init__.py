"""What every update passes through: the unit of work, request and reply, typed-text routing,
callback data, the outbox worker, jobs, rate limits, confirmation, ordering, persistence and the
guard. It knows no flow: flows build on it, never the other way round."""
