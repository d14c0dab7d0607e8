"""China AI Briefing: prices, news and regulation for Chinese AI stocks, over one local cache."""

__version__ = "0.1.0"
APP_NAME = "China AI Briefing"
APP_ID = "china-ai-briefing"
