"""Kernel: the vocabulary every layer shares (clock, errors, ids). Imports nothing of slar."""
