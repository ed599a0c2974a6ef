"""Duty (勤务): posts and geofences, rosters, check-in and check-out, offline sync, patrol tracks, daily facts."""
