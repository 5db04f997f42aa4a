"""Understand: raw documents -> articles (structure, then language stages: quotes, entities, dates)."""
