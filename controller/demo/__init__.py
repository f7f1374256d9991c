"""`waterpatrol demo`: the whole loop on a simulated lake, scored against the simulator's ground truth."""
