"""Small shared pieces of the front end: validated fields, theme, icons, error guards and the
Qt workarounds. Nothing here knows the window."""
