"""The Flask app: `create_app` and its blueprints (webhook, health, admin API)."""
