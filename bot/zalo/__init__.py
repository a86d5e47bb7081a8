"""Zalo's edge: events, webhook signature, message shapes, the Open API client, tokens, pacing."""
