"""Points (考核): daily records, scoring rules, monthly points, leaders' review, explanations."""
