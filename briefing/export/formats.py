"""The export's choices, in a module of their own so the command line can offer them cheaply."""

FORMATS = ("pdf", "html", "md", "csv")
PAGE_SIZES = ("a4", "letter")
DEFAULT_NEWS_PER_COMPANY = 3
