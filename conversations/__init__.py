"""Everything that touches Telegram: one module per flow, plus the wiring they share."""
