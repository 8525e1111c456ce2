"""Receivers of gradebook's signals: they write notification rows in the sender's transaction."""
