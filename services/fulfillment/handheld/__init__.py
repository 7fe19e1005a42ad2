"""The handheld scanner screen: sign-in by store and PIN, the page, live updates."""
