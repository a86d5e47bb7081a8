"""Answer cards: the union's plain-words answers (model, checks against the corpus, question matching)."""
