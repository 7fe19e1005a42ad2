"""The order: its row, lines and stage times, written by every feature through `store`."""
