"""The simulated world: planted objects on and around a site's water, loaded, generated and told as truth."""
