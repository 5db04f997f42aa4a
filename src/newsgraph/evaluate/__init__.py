"""Accuracy against public gold data: each module loads one corpus, runs newsgraph on it and returns scores."""
