"""Small shared pieces of the front end: validated fields, the theme (light or dark, class
colours), icons, the elided label, error guards and the Qt workarounds. Nothing here knows the
window."""
