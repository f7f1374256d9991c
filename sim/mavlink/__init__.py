"""The SITL vehicle's MAVLink side: framing, sockets, streams and the protocols a ground station speaks."""
