"""Bundled data (instruments, default feeds, regulation events, icons), installed as briefing.resources."""
