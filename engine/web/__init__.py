"""The region's workspace in a browser (`kravkoll serve`): a stage beside cli."""
