"""Documents, chunks, the index and search for mpsbot.

This package never imports from ``bot``: the bot depends on the indexer, not the
reverse.
"""
