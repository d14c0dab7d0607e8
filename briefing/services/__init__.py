"""Background work: running tasks off the GUI thread, scheduling refresh jobs, rate limits."""
