"""The daily briefing export: one model (`build.build_briefing`) rendered by several writers.

- `model`: the briefing as plain dataclasses; `build`: the model from the store (no Qt);
  `figures`, `sessions`, `sections`, `charts`: the pieces it is made of.
- `writers`: HTML (self-contained, Jinja2 templates in `templates/`), Markdown, CSV;
  `pdf`: Qt's PDF writer (A4, Letter); `files`: atomic writes; `run`: one export end to end.

Charts are drawn by `briefing.ui.chart_render` (pyqtgraph, GUI thread); everything else runs on
any thread. See `briefing.cli.export` and `briefing.ui.export_dialog` for the two front ends.
"""
