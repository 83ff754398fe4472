"""The built-in simulated network: state in a SQLite file under the data directory."""
