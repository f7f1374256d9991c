"""controller: flies patrols over MAVLink, turns sightings into tickets, and hosts the CLI."""
