"""Ranking articles: Vietnamese text analysis, BM25 on sparse arrays, priors, everyday words."""
