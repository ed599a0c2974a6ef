"""Supervision findings (督察) and the two forms and two letters (两单两书)."""
