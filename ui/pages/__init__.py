"""The main screens of the desktop app, one page per file."""
