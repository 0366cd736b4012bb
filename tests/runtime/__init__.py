"""The machinery every update passes through, and the house's rules."""
