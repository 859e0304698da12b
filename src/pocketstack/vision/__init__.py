"""Face recognition (our own API, OpenStack conventions): detect, embed, verify, galleries of
known people and identification against them."""
