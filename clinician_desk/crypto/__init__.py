"""Cryptographic constructions built from ``cryptography``'s primitives (no I/O, no storage)."""
