"""The small kernel the three services share: config, database, migrations, bus, auth, errors."""
