"""Zalo OA law assistant."""
