"""Attacks, faults and privacy: what the bot must withstand, and what must never be kept or
shown."""
