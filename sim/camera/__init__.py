"""The simulated camera: pinhole model, renderer, effects and the frame stream."""
