"""vision: detection, georeferencing and confirmation of anomalies in downlinked frames."""
