"""Flying a PatrolPlan: preflight, sorties, failsafes, resume, and the mission log that survives crashes."""
