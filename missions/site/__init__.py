"""The site config: one YAML file describing water, hotspots, no-fly zones, vehicle and camera."""
from .geometry import AreaGeometry, SiteGeometry
from .loader import load_site, parse_site
from .schema import (Area, Camera, Hotspot, NoFlyZone, Patrol, PolygonLL, Site, SiteInfo, Vehicle,
                     HOTSPOT_KINDS, PATTERNS, PRIORITIES)

__all__ = ["load_site", "parse_site", "Site", "SiteInfo", "Vehicle", "Camera", "Patrol", "Area", "Hotspot",
           "NoFlyZone", "PolygonLL", "SiteGeometry", "AreaGeometry", "HOTSPOT_KINDS", "PATTERNS", "PRIORITIES"]
