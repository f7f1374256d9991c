"""sim: a software-in-the-loop ArduCopter-compatible vehicle, its world and camera."""
