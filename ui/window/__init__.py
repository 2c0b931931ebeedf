"""The application shell: the main window, its docks, menus and file actions, the transport
bar, the notice bar and the remembered settings."""
