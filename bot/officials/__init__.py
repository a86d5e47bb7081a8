"""Services officials use from any door (CLI, /admin, console): laws, broadcasts, audit."""
