"""Shared state: the store interface (Redis or in-process), per-user keys, subscriptions, limits, stats."""
