"""The dialogue, pure: intents, danger, commands, follow-ups, reply wording and buttons."""
