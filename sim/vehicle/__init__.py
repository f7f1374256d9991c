"""The simulated ArduCopter: physics, sensors, battery, flight modes, mission executor, failsafes, fence."""
