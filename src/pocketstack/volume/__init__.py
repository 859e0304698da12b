"""Volume (a Cinder v3 subset): volumes on sparse files, attachments, volume types."""
