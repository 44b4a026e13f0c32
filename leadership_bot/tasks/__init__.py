"""Tasks run by ``leadership-bot``: one module each."""
