"""Duplicate files: warnings (one person in two households, one worker twice) and merging two files."""
