"""Leadership network bots for Meta-Wiki."""
