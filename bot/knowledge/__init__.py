"""What the bot knows: the corpus and its importers, topics, change reports, the search index."""
