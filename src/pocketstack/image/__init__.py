"""Image (the Glance v2 API subset): images, properties, tags, members, data upload and download."""
