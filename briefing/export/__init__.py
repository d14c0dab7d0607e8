"""The daily briefing: one model built from the store, rendered as PDF, HTML, Markdown and CSV."""
