"""Secrets (a Barbican v1 subset): secrets and containers for TLS material, encrypted at rest."""
