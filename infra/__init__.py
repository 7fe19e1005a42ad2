"""Running the system: the embedded database, `omo up`, the demo seed and the `omo` command."""
