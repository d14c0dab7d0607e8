"""Network and parsing (Yahoo prices, RSS/Atom feeds, CSV imports). No Qt: tested without a display."""
