"""Labelled datasets from the renderer: random poses over worlds, YOLO labels, per-image pose and truth."""
