"""missions: plan patrols from a site config. Imports nothing else of waterpatrol."""
