"""Slack plumbing below the listeners: the Web API client, users, de-duplication, delivery."""
